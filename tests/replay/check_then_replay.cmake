# Runs synod-check (CHECK, with the ;-list ARGS) to a violation, saving its
# counterexample to TRACE, then synod-replay (REPLAY) on that file: the
# search must find a violation (exit 1) and the replay must reproduce it
# (exit 0). This is the README's promise: a printed counterexample replays.
separate_arguments(args UNIX_COMMAND "${ARGS}")
file(REMOVE ${TRACE})
execute_process(COMMAND ${CHECK} ${args} --trace ${TRACE} --no-progress -q
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 1)
  message(FATAL_ERROR "synod-check ${ARGS}: expected exit 1 (violation), got ${status}\n${out}\n${err}")
endif()
execute_process(COMMAND ${REPLAY} ${TRACE} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "synod-replay ${TRACE}: expected exit 0 (reproduced), got ${status}\n${out}\n${err}")
endif()
message(STATUS "${out}")

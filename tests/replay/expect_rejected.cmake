# Runs synod-replay on a malformed trace TRACE: it must exit
# with status 2 (bad input) and print the trace's "expected_error" member (a
# plain substring) on stderr.
file(READ ${TRACE} content)
string(JSON expected_error ERROR_VARIABLE json_error GET "${content}" expected_error)
if(json_error)
  message(FATAL_ERROR "${TRACE}: no \"expected_error\" member: ${json_error}")
endif()
execute_process(COMMAND ${REPLAY} ${TRACE}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT status EQUAL 2)
  message(FATAL_ERROR "expected exit status 2, got ${status}\nstdout: ${out}\nstderr: ${err}")
endif()
string(FIND "${err}" "${expected_error}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "expected the error '${expected_error}' on stderr, got: ${err}")
endif()
message(STATUS "rejected as expected: ${err}")

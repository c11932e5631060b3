#!/usr/bin/env bash
# synod-check --trace-html in a real browser: headless Chromium loads the
# page of a Raft and of a Paxos counterexample; the test checks what the
# page's script drew (the DOM after it ran) and keeps a screenshot of each
# (trace_html_raft.png, trace_html_paxos.png in the working directory).
# usage: trace_html_test.sh SYNOD_CHECK        exit 77 (skipped) without chromium
set -euo pipefail
check=$1
browser=$(command -v chromium || true)
if [[ -z "$browser" ]]; then
  echo "trace_html_test: chromium is not installed (make test installs it): skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "trace_html_test: FAIL: $*" >&2; exit 1; }

chrome() {  # chrome ARGS... : headless, no network, a fresh profile
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile-$RANDOM" --window-size=1400,1400 "$@" 2>/dev/null
}

# A Raft counterexample: two leaders in term 1 with a disk that loses votes.
"$check" raft --lossy-disk 1 --max-term 1 --max-msgs 3 --drops 1 --proposals 0 -q --no-progress \
  --trace "$work/raft.json" --trace-html "$work/raft.html" >/dev/null && fail "expected a violation" || test $? -eq 1
[[ -s "$work/raft.html" ]] || fail "no page written"
grep -Eq '(src|href)=|<link|@import|url\(' "$work/raft.html" && fail "the page loads something from outside itself"
steps=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["steps"]))' "$work/raft.json")
chrome --dump-dom "file://$work/raft.html" >"$work/raft.dom"
python3 - "$work/raft.dom" "$steps" <<'PY'
import re, sys
dom, steps = open(sys.argv[1]).read(), int(sys.argv[2])
def need(cond, what):
    if not cond:
        sys.exit("trace_html_test: FAIL: " + what)
need(f'data-rendered="{steps}"' in dom, "the script did not draw every step")
need(len(re.findall(r'<tr class="(?:violation )?step"', dom)) == steps + 1, "one row per step and the initial state")
need(f"violation of ElectionSafety after {steps} steps" in dom, "the verdict banner")
need(len(re.findall(r'<tr class="violation step"[^>]*data-property="ElectionSafety"', dom)) == 1,
     "the last step marked as the violation")
for n in (1, 2, 3):
    need(f">node {n}</text>" in dom, f"a lifeline for node {n}")
need(len(re.findall(r'class="msg deliver"', dom)) >= 5, "delivered messages drawn as arrows")
need(len(re.findall(r'class="msg drop"', dom)) == 1, "the dropped AppendEntries")
need(len(re.findall(r'class="event crash"', dom)) == 1 and len(re.findall(r'class="event restart"', dom)) == 1,
     "node 3's crash and restart")
need("ghost violation: none → ElectionSafety" in dom, "what the last step changed")
PY
chrome --screenshot="$PWD/trace_html_raft.png" "file://$work/raft.html" >/dev/null
[[ -s trace_html_raft.png ]] || fail "no screenshot"

# A Paxos counterexample renders with the same page.
"$check" paxos --lossy-disk 1 -q --no-progress --trace-html "$work/paxos.html" >/dev/null && fail "expected a violation" || test $? -eq 1
chrome --dump-dom "file://$work/paxos.html" >"$work/paxos.dom"
grep -q 'violation of RestartKeepsDurableState' "$work/paxos.dom" || fail "paxos: the verdict banner"
grep -q 'class="violation step"' "$work/paxos.dom" || fail "paxos: the violating step"
for n in 1 2 3 4 5; do grep -q ">node $n</text>" "$work/paxos.dom" || fail "paxos: a lifeline for node $n"; done
grep -q 'class="msg deliver"' "$work/paxos.dom" || fail "paxos: a delivered Prepare"
grep -q 'class="event crash"' "$work/paxos.dom" || fail "paxos: the crash"
grep -q 'node 1: acceptor promised=' "$work/paxos.dom" || fail "paxos: what a step changed"
chrome --screenshot="$PWD/trace_html_paxos.png" "file://$work/paxos.html" >/dev/null

# No violation, no page; an unwritable path is refused before the search.
"$check" raft-quick -q --no-progress --trace-html "$work/none.html" >/dev/null
[[ ! -e "$work/none.html" ]] || fail "a page for a run without a counterexample"
set +e
"$check" raft-quick -q --no-progress --trace-html /nonexistent-dir/x.html >/dev/null 2>"$work/err"
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "unwritable --trace-html: exit $rc, not 2"
grep -q "cannot write --trace-html file" "$work/err" || fail "unwritable --trace-html: no message"
echo "trace_html_test: ok ($steps-step Raft and a Paxos counterexample drawn; screenshots in $PWD)"

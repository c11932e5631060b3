#!/usr/bin/env python3
"""synod-kv snapshots, log compaction and InstallSnapshot, process-level.

usage: snapshot_test.py PATH/TO/synod-kv MODE

MODE is one of:
  catchup        a 3-node cluster snapshots every few entries: the WAL and the
                 in-memory log stay short; a follower that was down while the
                 leader compacted past its log, and then a follower with an
                 empty data directory, catch up with chunked InstallSnapshot
                 (1 KiB chunks); every acknowledged write is on every node
                 (READONLY local reads), also after a restart of the whole
                 cluster (snapshot + WAL suffix).
  crash-local    a single node is made to exit (SYNOD_KV_CRASH_AT) at each step
                 of taking a snapshot and compacting the WAL in turn; after each
                 crash it restarts on the same directory and every write it
                 acknowledged is there, with its value.
  crash-install  a follower is made to exit at each step of receiving and
                 installing a leader's snapshot in turn; it restarts, catches
                 up, and holds every acknowledged write, also when restarted
                 alone afterwards (its own disk, no leader).
  corrupt        a damaged snapshot (one flipped byte, a truncated file), and a
                 WAL whose snapshot was deleted, each stop the node at start
                 with a clear error naming the file, never a silent start.

Children are always killed (by PID) at exit.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from free_ports import free_ports  # noqa: E402

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/adapters/synod-kv"
MODE = sys.argv[2] if len(sys.argv) > 2 else "catchup"
sys.argv = sys.argv[:2]  # cluster_test reads its own flags from argv
import cluster_test  # noqa: E402
from cluster_test import Error, Resp, info  # noqa: E402

CHILDREN = []  # every synod-kv started, killed by PID at exit if still running
CRASH_EXIT = 86  # synod-kv's exit status at an injected crash
TICK_MS = 10


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def log(msg):
    print("%.2f %s" % (time.time() % 1000, msg), flush=True)


class Cluster(cluster_test.Cluster):
    """cluster_test's process cluster with any size, extra flags, and an
    environment per start (SYNOD_KV_CRASH_AT)."""

    def __init__(self, root, size, flags):
        self.root = root
        self.size = size
        self.flags = flags
        ports = free_ports(2 * size)
        self.peer_ports = ports[:size]
        self.client_ports = ports[size:]
        self.spec = ",".join("%d=127.0.0.1:%d" % (i + 1, p) for i, p in enumerate(self.peer_ports))
        self.procs = {}

    def data(self, node):
        return os.path.join(self.root, "data%d" % node)

    def start(self, node, env=None):
        out = open(os.path.join(self.root, "node%d.log" % node), "ab")
        args = [BIN, "--id", str(node), "--cluster", self.spec, "--client-port", str(self.port(node)),
                "--data", self.data(node), "--tick-ms", str(TICK_MS)] + self.flags
        e = dict(os.environ)
        e.pop("SYNOD_KV_CRASH_AT", None)
        if env:
            e.update(env)
        self.procs[node] = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=e)
        CHILDREN.append(self.procs[node])

    def stop(self, node):
        # A node that crashed on purpose (SYNOD_KV_CRASH_AT) has exited already.
        p = self.procs.pop(node)
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def leader(self, timeout=15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for node in self.procs:
                i = info(self.port(node))
                if i and i.get("role") == "leader":
                    return node
            time.sleep(0.02)
        fail("no leader within %.0fs" % timeout)

    def tail(self, node, n=15):
        path = os.path.join(self.root, "node%d.log" % node)
        try:
            with open(path, "rb") as f:
                return b"".join(f.readlines()[-n:]).decode(errors="replace")
        except OSError:
            return ""


def write(cluster, acked, prefix, n, stop_on_error=False):
    """n SETs on the leader, one entry each (one command per round trip); acked[key] = value on +OK."""
    conn = None
    k = 0
    deadline = time.time() + 20
    while k < n and time.time() < deadline:
        if conn is None:
            try:
                conn = Resp(cluster.port(cluster.leader()), timeout=3.0)
            except OSError:
                if stop_on_error:
                    return
                time.sleep(0.05)
                continue
        key, value = "%s-%d" % (prefix, k), "%s-value-%d-%s" % (prefix, k, "x" * (k % 17))
        try:
            reply = conn.call("SET", key, value)
        except (OSError, ConnectionError, ValueError):
            conn.close()
            conn = None
            if stop_on_error:
                return
            continue
        if reply == "OK":
            acked[key] = value
            k += 1
        else:
            conn.close()
            conn = None
            if stop_on_error:
                return
            time.sleep(0.02)
    if conn:
        conn.close()
    if k < n and not stop_on_error:
        fail("only %d of %d writes acknowledged" % (k, n))


def verify_local(cluster, node, acked, label):
    """Every acknowledged write, by READONLY local reads on `node` (no leader needed)."""
    c = Resp(cluster.port(node), timeout=5.0)
    try:
        if c.call("READONLY") != "OK":
            fail("%s: READONLY refused" % label)
        keys = sorted(acked)
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            got = c.pipeline([("GET", k) for k in part])
            for k, v in zip(part, got):
                if v != acked[k]:
                    fail("%s: node %d has %r for %s, acknowledged %r" % (label, node, v, k, acked[k]))
    finally:
        c.close()
    log("%s: node %d holds all %d acknowledged writes" % (label, node, len(acked)))


def wait_serving(cluster, node, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        p = cluster.procs[node]
        if p.poll() is not None:
            fail("node %d exited with %d:\n%s" % (node, p.returncode, cluster.tail(node)))
        if info(cluster.port(node)):
            return
        time.sleep(0.02)
    fail("node %d not serving within %.0fs" % (node, timeout))


def wait_applied(cluster, node, index, timeout=20.0):
    deadline = time.time() + timeout
    i = None
    while time.time() < deadline:
        i = info(cluster.port(node))
        if i and int(i["applied_index"]) >= index:
            return i
        time.sleep(0.05)
    fail("node %d did not apply index %d within %.0fs: %r\n%s" % (node, index, timeout, i, cluster.tail(node)))


def commit_of(cluster):
    return int(info(cluster.port(cluster.leader()))["commit_index"])


def segments(cluster, node):
    return sorted(f for f in os.listdir(cluster.data(node)) if f.startswith("wal-"))


# ------------------------------------------------------------------ modes

def catchup(root):
    cluster = Cluster(root, 3, ["--snapshot-entries", "40", "--snapshot-chunk-bytes", "1024"])
    acked = {}
    for n in (1, 2, 3):
        cluster.start(n)
    write(cluster, acked, "a", 300)
    # Overwrites: history grows, live data does not.
    for rnd in range(2):
        write(cluster, acked, "a", 300)
    commit = commit_of(cluster)
    for n in (1, 2, 3):
        i = wait_applied(cluster, n, commit)
        taken, in_memory = int(i["snapshots_taken"]), int(i["log_entries_in_memory"])
        if taken < 10:
            fail("node %d took %d snapshots over %d entries (every 40 expected)" % (n, taken, commit))
        if in_memory > 120:
            fail("node %d still holds %d log entries in memory after compaction" % (n, in_memory))
        if len(segments(cluster, n)) > 2:
            fail("node %d kept WAL segments below its snapshot: %s" % (n, segments(cluster, n)))
        if int(i["payloads_in_memory"]) > 120:
            fail("node %d holds %s batch payloads in memory" % (n, i["payloads_in_memory"]))
    log("compaction: %d entries, logs and WALs short on every node" % commit)

    # A follower down while the leader compacts past its log.
    follower = next(n for n in (1, 2, 3) if n != cluster.leader())
    cluster.stop(follower)
    write(cluster, acked, "b", 400)
    cluster.start(follower)
    wait_serving(cluster, follower)
    i = wait_applied(cluster, follower, commit_of(cluster))
    if int(i["snapshots_installed"]) < 1 or int(i["snapshot_chunks_received"]) < 2:
        fail("node %d caught up without a chunked snapshot: %r" % (follower, i))
    verify_local(cluster, follower, acked, "lagging follower (%s chunks)" % i["snapshot_chunks_received"])

    # A new node: empty data directory.
    other = next(n for n in (1, 2, 3) if n != cluster.leader() and n != follower)
    cluster.stop(other)
    shutil.rmtree(cluster.data(other))
    write(cluster, acked, "c", 50)
    cluster.start(other)
    wait_serving(cluster, other)
    i = wait_applied(cluster, other, commit_of(cluster))
    if int(i["snapshots_installed"]) < 1:
        fail("the empty node %d caught up without a snapshot: %r" % (other, i))
    verify_local(cluster, other, acked, "empty follower")

    # The whole cluster restarts: snapshot + WAL suffix on each node.
    cluster.stop_all()
    for n in (1, 2, 3):
        cluster.start(n)
    for n in (1, 2, 3):
        wait_serving(cluster, n)
    # A restarted node knows its log, not the commit index: it applies the
    # suffix once a leader says it is committed.
    commit = commit_of(cluster)
    for n in (1, 2, 3):
        wait_applied(cluster, n, commit)
        verify_local(cluster, n, acked, "after a full restart")
    write(cluster, acked, "d", 20)
    cluster.stop_all()


LOCAL_STEPS = ["snapshot-partial", "snapshot-synced", "snapshot-renamed", "snapshot-written", "wal-deleting",
               "wal-compacted"]


def crash_local(root):
    cluster = Cluster(root, 1, ["--snapshot-entries", "25"])
    acked = {}
    for step in LOCAL_STEPS:
        cluster.start(1, env={"SYNOD_KV_CRASH_AT": step})
        wait_serving(cluster, 1)
        write(cluster, acked, step, 100, stop_on_error=True)
        p = cluster.procs[1]
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fail("node did not reach crash step %s" % step)
        if p.returncode != CRASH_EXIT:
            fail("crash at %s: exit status %d, want %d:\n%s" % (step, p.returncode, CRASH_EXIT, cluster.tail(1)))
        cluster.procs.pop(1)
        cluster.start(1)
        wait_serving(cluster, 1)
        wait_applied(cluster, 1, commit_of(cluster))
        verify_local(cluster, 1, acked, "crash at %s" % step)
        cluster.stop(1)
    for f in os.listdir(cluster.data(1)):
        if f.endswith(".tmp") or f.endswith(".recv"):
            fail("leftover %s after recovery" % f)


INSTALL_STEPS = ["install-chunk", "install-synced", "install-renamed", "wal-deleting", "install-wal-dropped",
                 "install-loaded"]


def crash_install(root):
    cluster = Cluster(root, 3, ["--snapshot-entries", "30", "--snapshot-chunk-bytes", "1024"])
    acked = {}
    for n in (1, 2, 3):
        cluster.start(n)
    write(cluster, acked, "seed", 40)
    leader = cluster.leader()
    follower = next(n for n in (1, 2, 3) if n != leader)
    for step in INSTALL_STEPS:
        cluster.stop(follower)
        write(cluster, acked, step, 80)
        cluster.start(follower, env={"SYNOD_KV_CRASH_AT": step})
        p = cluster.procs[follower]
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            fail("follower did not reach crash step %s:\n%s" % (step, cluster.tail(follower)))
        if p.returncode != CRASH_EXIT:
            fail("crash at %s: exit status %d:\n%s" % (step, p.returncode, cluster.tail(follower)))
        cluster.procs.pop(follower)
        cluster.start(follower)
        wait_serving(cluster, follower)
        wait_applied(cluster, follower, commit_of(cluster))
        verify_local(cluster, follower, acked, "install crash at %s" % step)
    # Everything again after a restart of the whole cluster.
    cluster.stop_all()
    for n in (1, 2, 3):
        cluster.start(n)
    wait_applied(cluster, follower, commit_of(cluster))
    verify_local(cluster, follower, acked, "after a full restart")
    cluster.stop_all()


def expect_refusal(cluster, what, pattern):
    path = os.path.join(cluster.root, "node1.log")
    before = os.path.getsize(path) if os.path.exists(path) else 0
    cluster.start(1)
    p = cluster.procs.pop(1)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        fail("%s: the node started anyway" % what)
    with open(path, "rb") as f:
        f.seek(before)
        text = f.read().decode(errors="replace")
    if p.returncode == 0 or p.returncode == CRASH_EXIT or pattern not in text:
        fail("%s: exit %d, want an error with %r:\n%s" % (what, p.returncode, pattern, text))
    line = next(x for x in text.splitlines() if pattern in x)
    log("%s: refused (exit %d): %s" % (what, p.returncode, line))


def corrupt(root):
    cluster = Cluster(root, 1, ["--snapshot-entries", "20"])
    acked = {}
    cluster.start(1)
    wait_serving(cluster, 1)
    write(cluster, acked, "k", 90)
    cluster.stop(1)
    snap = os.path.join(cluster.data(1), "snapshot")
    good = open(snap, "rb").read()
    if len(segments(cluster, 1)) != 1:
        fail("expected the WAL below the snapshot deleted: %s" % segments(cluster, 1))

    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0x40
    open(snap, "wb").write(bytes(damaged))
    expect_refusal(cluster, "a flipped byte", "checksum mismatch")
    open(snap, "wb").write(good[:len(good) - 7])
    expect_refusal(cluster, "a truncated snapshot", "does not match the file size")
    open(snap, "wb").write(b"")
    expect_refusal(cluster, "an empty snapshot", "shorter than a snapshot header")
    os.remove(snap)
    expect_refusal(cluster, "a deleted snapshot", "no snapshot")

    open(snap, "wb").write(good)
    cluster.start(1)
    wait_serving(cluster, 1)
    wait_applied(cluster, 1, commit_of(cluster))
    verify_local(cluster, 1, acked, "snapshot restored")
    cluster.stop(1)


def main():
    modes = {"catchup": catchup, "crash-local": crash_local, "crash-install": crash_install, "corrupt": corrupt}
    if MODE not in modes:
        fail("unknown mode %r (one of %s)" % (MODE, ", ".join(modes)))
    root = tempfile.mkdtemp(prefix="synod-kv-snapshot-")
    ok = False
    started = time.time()
    try:
        modes[MODE](root)
        ok = True
    finally:
        for proc in CHILDREN:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("data and logs kept in", root)
    print("PASS snapshot_test %s (%.1fs)" % (MODE, time.time() - started))


if __name__ == "__main__":
    main()

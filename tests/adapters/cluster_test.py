#!/usr/bin/env python3
"""Multi-process synod-kv cluster test on 127.0.0.1.

usage: cluster_test.py PATH/TO/synod-kv

Three synod-kv processes; writer threads SET unique keys through real TCP
connections (RESP) and record every acknowledged write; the leader is killed
with SIGKILL under load; a new leader must appear within a few election
timeouts; writes continue; the killed node restarts on the same data
directory and catches up; then EVERY acknowledged write must be readable,
with its value, on every node: at once through plain GETs on every node
(--read-mode readindex: linearizable follower reads, no NOTLEADER), and
with READONLY local reads once every node applied the leader's commit
index. Then the whole cluster is restarted and the acknowledged writes are
read back again. Then (readindex) reads on a node cut off from the leader
fail instead of answering stale data, and SYNOD.TRANSFER moves leadership
while a client pipelines writes: the writes left waiting get one well-formed
-NOTLEADER or -TRYAGAIN error each.

Children are always killed (by PID) at exit.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/adapters/synod-kv"
# More synod-kv flags for every node (e.g. --no-pre-vote --read-mode log):
# the same test then runs on that configuration, and INFO must show it.
EXTRA = sys.argv[2:]
READ_MODE = EXTRA[EXTRA.index("--read-mode") + 1] if "--read-mode" in EXTRA else "readindex"
READ_TIMEOUT_MS = 500
TICK_MS = 10
ELECTION_MAX_MS = 30 * TICK_MS


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from free_ports import free_ports  # noqa: E402  (ports below the ephemeral range)


class Resp:
    """A tiny RESP2 client: one connection, one command at a time."""

    def __init__(self, port, timeout=3.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    @staticmethod
    def encode(args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        return out

    def call(self, *args):
        self.sock.sendall(self.encode(args))
        return self.read_reply()

    def pipeline(self, commands):
        self.sock.sendall(b"".join(self.encode(c) for c in commands))
        return [self.read_reply() for _ in commands]

    def read_reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return Error(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        raise ValueError("unexpected reply %r" % line)


class Error(str):
    pass


def info(port):
    try:
        c = Resp(port, timeout=1.0)
        try:
            text = c.call("INFO")
        finally:
            c.close()
    except OSError:
        return None
    if not isinstance(text, str) or isinstance(text, Error):
        return None
    out = {}
    for line in text.split("\r\n"):
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


class Cluster:
    def __init__(self, root):
        self.root = root
        ports = free_ports(6)
        self.peer_ports = ports[:3]
        self.client_ports = ports[3:]
        self.spec = ",".join("%d=127.0.0.1:%d" % (i + 1, p) for i, p in enumerate(self.peer_ports))
        self.procs = {}

    def start(self, node):
        log = open(os.path.join(self.root, "node%d.log" % node), "ab")
        args = [BIN, "--id", str(node), "--cluster", self.spec,
                "--client-port", str(self.client_ports[node - 1]),
                "--data", os.path.join(self.root, "data%d" % node), "--tick-ms", str(TICK_MS),
                "--read-timeout-ms", str(READ_TIMEOUT_MS)] + EXTRA
        self.procs[node] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)

    def kill9(self, node):
        p = self.procs.pop(node)
        p.send_signal(signal.SIGKILL)
        p.wait()

    def stop(self, node):
        p = self.procs.pop(node)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()

    def stop_all(self):
        for node in list(self.procs):
            self.stop(node)

    def signal(self, node, sig):
        self.procs[node].send_signal(sig)

    def kill_all(self):
        for p in self.procs.values():
            try:
                p.kill()
                p.wait(timeout=5)
            except Exception:
                pass
        self.procs = {}

    def port(self, node):
        return self.client_ports[node - 1]

    def leader(self, exclude=(), min_term=0, timeout=10.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for node in self.procs:
                if node in exclude:
                    continue
                i = info(self.port(node))
                if i and i.get("role") == "leader" and int(i["term"]) >= min_term:
                    return node, int(i["term"])
            time.sleep(0.02)
        raise AssertionError("no leader within %.1fs" % timeout)


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


class Writers:
    """Threads writing unique keys; acked[key] = value for every +OK."""

    def __init__(self, cluster, n=6):
        self.cluster = cluster
        self.n = n
        self.acked = {}
        self.lock = threading.Lock()
        self.stop_flag = threading.Event()
        self.errors = 0
        self.threads = [threading.Thread(target=self.run, args=(t,), daemon=True) for t in range(n)]

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=10)

    def count(self):
        with self.lock:
            return len(self.acked)

    def run(self, tid):
        conn, k = None, 0
        while not self.stop_flag.is_set():
            if conn is None:
                try:
                    node, _ = self.cluster.leader(timeout=5)
                    conn = Resp(self.cluster.port(node), timeout=2.0)
                except (AssertionError, OSError):
                    time.sleep(0.05)
                    continue
            k += 1
            key, value = "w%d-%d" % (tid, k), "v%d-%d-%s" % (tid, k, "x" * (k % 13))
            try:
                reply = conn.call("SET", key, value)
            except (OSError, ConnectionError, ValueError):
                conn.close()
                conn = None
                continue
            if reply == "OK":
                with self.lock:
                    self.acked[key] = value
            else:
                with self.lock:
                    self.errors += 1
                conn.close()
                conn = None
                time.sleep(0.01)


def wait_caught_up(cluster, timeout=20.0):
    """Until every node applied everything the leader committed (and no writes run)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        infos = {n: info(cluster.port(n)) for n in cluster.procs}
        if all(infos.values()):
            leaders = [i for i in infos.values() if i["role"] == "leader"]
            if len(leaders) == 1:
                commit = int(leaders[0]["commit_index"])
                if all(int(i["applied_index"]) >= commit for i in infos.values()):
                    return infos
        time.sleep(0.05)
    fail("nodes did not catch up within %.0fs: %r" % (timeout, infos))


def verify_all(cluster, acked, label, readonly=True):
    """Every acknowledged write, on every node: READONLY local reads, or
    plain GETs (ReadIndex on followers: no wait for catch-up needed)."""
    missing = 0
    for node in sorted(cluster.procs):
        c = Resp(cluster.port(node), timeout=5.0)
        if readonly:
            assert c.call("READONLY") == "OK"
        bad = 0
        items = list(acked.items())
        got_all = []
        for start in range(0, len(items), 500):
            got_all += c.pipeline([("GET", k) for k, _ in items[start:start + 500]])
        for (key, value), got in zip(items, got_all):
            if got != value:
                bad += 1
                if bad <= 5:
                    print("  node %d: %s = %r, acknowledged %r" % (node, key, got, value))
        c.close()
        log("%s: node %d holds %d/%d acknowledged writes" % (label, node, len(acked) - bad, len(acked)))
        missing += bad
    if missing:
        fail("%s: %d acknowledged writes missing or wrong" % (label, missing))


def follower_reads(cluster, acked):
    """Plain GETs of every acknowledged key on every node: the written value,
    and not one -NOTLEADER. Each node must know the leader first (the node
    restarted a moment ago may not have heard from it yet: peers redial with
    back-off); it need not have caught up."""
    leader, _ = cluster.leader()
    deadline = time.time() + 10
    while any((info(cluster.port(n)) or {}).get("leader_id") != str(leader) for n in cluster.procs):
        if time.time() > deadline:
            fail("not every node knows leader %d" % leader)
        time.sleep(0.02)
    items = list(acked.items())
    for node in sorted(cluster.procs):
        c = Resp(cluster.port(node), timeout=10.0)
        got = []
        for start in range(0, len(items), 500):
            got += c.pipeline([("GET", k) for k, _ in items[start:start + 500]])
        c.close()
        wrong = [(k, v, g) for (k, v), g in zip(items, got) if g != v]
        notleader = sum(1 for g in got if isinstance(g, Error) and g.startswith("NOTLEADER"))
        for k, v, g in wrong[:5]:
            print("  node %d: GET %s = %r, acknowledged %r" % (node, k, g, v))
        log("follower reads: node %d answered %d/%d GETs with the acknowledged value (%d NOTLEADER)"
            % (node, len(items) - len(wrong), len(items), notleader))
        if wrong:
            fail("GET on node %d: %d of %d acknowledged writes not read back" % (node, len(wrong), len(items)))


def leader_reads_through_log(cluster, acked):
    """--read-mode log: GETs on the leader through the log; a follower answers NOTLEADER."""
    node, _ = cluster.leader()
    before = int(info(cluster.port(node))["commands_proposed"])
    items = list(acked.items())[:200]
    c = Resp(cluster.port(node), timeout=10.0)
    got = c.pipeline([("GET", k) for k, _ in items])
    c.close()
    if got != [v for _, v in items]:
        fail("--read-mode log: GETs on the leader did not return the acknowledged values")
    proposed = int(info(cluster.port(node))["commands_proposed"]) - before
    if proposed < len(items):
        fail("--read-mode log: %d GETs but only %d commands went through the log" % (len(items), proposed))
    follower = next(n for n in cluster.procs if n != node)
    f = Resp(cluster.port(follower))
    reply = f.call("GET", items[0][0])
    f.close()
    if not (isinstance(reply, Error) and reply.startswith("NOTLEADER leader %d" % node)):
        fail("--read-mode log: GET on follower %d answered %r, want NOTLEADER" % (follower, reply))
    log("read mode log: %d GETs on the leader through the log, follower answers NOTLEADER" % len(items))


def get_error(port, key, timeout):
    """GET key on port, retrying the connection while the node starts; the reply."""
    deadline = time.time() + timeout
    while True:
        try:
            c = Resp(port, timeout=READ_TIMEOUT_MS / 1000.0 + 3.0)
            try:
                return c.call("GET", key)
            finally:
                c.close()
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def read_until(port, key, want, timeout=10.0):
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        try:
            got = get_error(port, key, 1.0)
        except OSError:
            got = None
        if got == want:
            return
        time.sleep(0.05)
    fail("GET %s on port %d: %r, want %r" % (key, port, got, want))


def cut_off_reads(cluster):
    """A node cut off from the leader answers reads with an error, not stale data."""
    leader, _ = cluster.leader()
    f, o = [n for n in sorted(cluster.procs) if n != leader]
    c = Resp(cluster.port(leader))
    if c.call("SET", "cutoff", "old") != "OK":
        fail("SET cutoff old refused")
    c.close()
    read_until(cluster.port(f), "cutoff", "old")

    # 1. The leader stops (SIGSTOP): a follower's GET is forwarded to it and
    # never answered; it fails (read timeout, or the election that follows).
    cluster.signal(leader, signal.SIGSTOP)
    try:
        t0 = time.time()
        reply = get_error(cluster.port(f), "cutoff", 2.0)
        took = time.time() - t0
    finally:
        cluster.signal(leader, signal.SIGCONT)
    log("GET on node %d with its leader %d stopped: %r after %.0f ms" % (f, leader, reply, took * 1000))
    if not (isinstance(reply, Error) and reply.startswith(("TRYAGAIN", "NOTLEADER"))):
        fail("GET on node %d with the leader stopped answered %r, want -TRYAGAIN or -NOTLEADER" % (f, reply))
    if took > READ_TIMEOUT_MS / 1000.0 + 1.0:
        fail("the failed read took %.2fs, more than the read timeout (%d ms) + 1 s" % (took, READ_TIMEOUT_MS))

    # 2. Node f misses a write (killed), then comes back alone (the other
    # two stopped): its log holds the old value; a GET must not return it.
    wait_caught_up(cluster)  # one leader again (the stopped one has stepped down)
    leader, _ = cluster.leader(timeout=10)
    f = next(n for n in sorted(cluster.procs) if n != leader)
    cluster.kill9(f)
    deadline = time.time() + 10
    while True:  # leadership may still move between the two that remain
        leader, _ = cluster.leader(timeout=10)
        c = Resp(cluster.port(leader))
        reply = c.call("SET", "cutoff", "new")
        c.close()
        if reply == "OK":
            break
        if time.time() > deadline:
            fail("SET cutoff new not acknowledged by two nodes: %r" % reply)
        time.sleep(0.05)
    o = next(n for n in sorted(cluster.procs) if n != leader)
    cluster.signal(leader, signal.SIGSTOP)
    cluster.signal(o, signal.SIGSTOP)
    try:
        cluster.start(f)
        reply = get_error(cluster.port(f), "cutoff", 10.0)
        ro = Resp(cluster.port(f))
        ro.call("READONLY")
        stale = ro.call("GET", "cutoff")
        ro.close()
    finally:
        cluster.signal(leader, signal.SIGCONT)
        cluster.signal(o, signal.SIGCONT)
    log("GET on node %d, restarted alone after missing a write: %r (a READONLY local read: %r)" % (f, reply, stale))
    if not (isinstance(reply, Error) and reply.startswith(("TRYAGAIN", "NOTLEADER"))):
        fail("GET on cut-off node %d answered %r, want -TRYAGAIN or -NOTLEADER (never the stale value)" % (f, reply))
    read_until(cluster.port(f), "cutoff", "new")
    log("node %d reads the new value once it reaches the others again" % f)


class PipelinedWriter(threading.Thread):
    """Pipelines of 20 SETs on one connection; records every reply."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.replies = []
        self.stop_flag = threading.Event()

    def run(self):
        c = Resp(self.port, timeout=5.0)
        k = 0
        try:
            while not self.stop_flag.is_set():
                self.replies += c.pipeline([("SET", "tw-%d" % (k + j), "v") for j in range(20)])
                k += 20
        except (OSError, ConnectionError, ValueError) as e:
            self.replies.append(e)
        c.close()


def transfer(cluster):
    """SYNOD.TRANSFER moves leadership to the named node while a client
    pipelines writes to the old leader: the writes caught waiting get
    well-formed errors (issue 30: NOTLEADER was RESP-encoded twice)."""
    errors = {"NOTLEADER": 0, "TRYAGAIN": 0}
    for attempt in range(4):
        leader, term = cluster.leader(timeout=10)
        target = next(n for n in sorted(cluster.procs) if n != leader)
        f = Resp(cluster.port(target))
        reply = f.call("SYNOD.TRANSFER", target)
        f.close()
        if not (isinstance(reply, Error) and reply.startswith("NOTLEADER leader %d" % leader)):
            fail("SYNOD.TRANSFER on follower %d answered %r, want NOTLEADER leader %d" % (target, reply, leader))
        w = PipelinedWriter(cluster.port(leader))
        w.start()
        time.sleep(0.2)
        c = Resp(cluster.port(leader), timeout=10.0)
        t0 = time.time()
        reply = c.call("SYNOD.TRANSFER", target)
        took = time.time() - t0
        c.close()
        time.sleep(0.1)
        w.stop_flag.set()
        w.join(timeout=10)
        i = info(cluster.port(target)) or {}
        old = info(cluster.port(leader)) or {}
        log("SYNOD.TRANSFER %d on leader %d (term %d): %r after %.0f ms; node %d now %s in term %s; "
            "old leader's last transfer: %s %s" % (target, leader, term, reply, took * 1000, target, i.get("role"),
                                                   i.get("term"), old.get("last_transfer_target"),
                                                   old.get("last_transfer_outcome")))
        if reply != "OK":
            fail("SYNOD.TRANSFER %d answered %r" % (target, reply))
        if i.get("role") != "leader" or int(i.get("term", 0)) <= term:
            fail("after SYNOD.TRANSFER %d, INFO on node %d shows role %r term %r" % (target, target, i.get("role"),
                                                                                     i.get("term")))
        if old.get("last_transfer_target") != str(target) or old.get("last_transfer_outcome") != "completed":
            fail("old leader's INFO: last transfer %r %r" % (old.get("last_transfer_target"),
                                                              old.get("last_transfer_outcome")))
        for r in w.replies:
            if r == "OK":
                continue
            if isinstance(r, Error) and r.split(" ", 1)[0] in errors:
                errors[r.split(" ", 1)[0]] += 1
                continue
            fail("a pipelined SET during the transfer got %r" % (r,))
        if errors["NOTLEADER"]:
            break
    log("pipelined SETs during transfers: %d -NOTLEADER, %d -TRYAGAIN, all well-formed"
        % (errors["NOTLEADER"], errors["TRYAGAIN"]))
    if not errors["NOTLEADER"]:
        fail("no pipelined SET was waiting when leadership moved in 4 transfers: the NOTLEADER path went untested")


T0 = time.time()


def log(msg):
    print("[%5.2fs] %s" % (time.time() - T0, msg), flush=True)


def main():
    if not os.access(BIN, os.X_OK):
        fail("not executable: %s" % BIN)
    root = tempfile.mkdtemp(prefix="synod-kv-cluster-test-")
    cluster = Cluster(root)
    ok = False
    try:
        for node in (1, 2, 3):
            cluster.start(node)
        leader, term = cluster.leader(timeout=10)
        log("leader: node %d, term %d" % (leader, term))
        want = {"pre_vote": "0" if "--no-pre-vote" in EXTRA else "1",
                "check_quorum": "0" if "--no-check-quorum" in EXTRA else "1",
                "read_mode": READ_MODE, "read_timeout_ms": str(READ_TIMEOUT_MS)}
        for node in (1, 2, 3):
            i = info(cluster.port(node)) or {}
            for k, v in want.items():
                if i.get(k) != v:
                    fail("node %d: INFO %s is %r, want %r" % (node, k, i.get(k), v))

        writers = Writers(cluster)
        writers.start()
        time.sleep(1.0)
        before = writers.count()
        if before < 50:
            fail("only %d writes acknowledged in the first second" % before)

        t0 = time.time()
        cluster.kill9(leader)
        log("killed leader node %d with SIGKILL after %d acknowledged writes" % (leader, before))
        new_leader, new_term = cluster.leader(min_term=term + 1, timeout=10)
        elapsed = time.time() - t0
        log("new leader: node %d, term %d, after %.0f ms (election timeout <= %d ms)"
              % (new_leader, new_term, elapsed * 1000, ELECTION_MAX_MS))
        if elapsed > 6 * ELECTION_MAX_MS / 1000.0:
            fail("new leader took %.2fs, more than 6 election timeouts" % elapsed)

        time.sleep(1.0)
        after_kill = writers.count() - before
        if after_kill < 50:
            fail("only %d writes acknowledged after the failover" % after_kill)
        cluster.start(leader)  # same --data: recovers, then catches up
        time.sleep(0.5)
        writers.stop()
        acked = dict(writers.acked)
        log("writers: %d acknowledged, %d errors/redirects" % (len(acked), writers.errors))

        if READ_MODE in ("readindex", "lease"):
            # No waiting for catch-up: a follower's GET gets the leader's
            # commit index and waits until it has applied it.
            follower_reads(cluster, acked)
        wait_caught_up(cluster)
        verify_all(cluster, acked, "after kill -9 and catch-up")

        # Restart everyone (SIGTERM, same data dirs): state is recovered from disk.
        cluster.stop_all()
        for node in (1, 2, 3):
            cluster.start(node)
        cluster.leader(timeout=10)
        c = None
        deadline = time.time() + 10
        while True:  # a write commits an entry of the new term, so everything before applies
            node, _ = cluster.leader(timeout=10)
            c = Resp(cluster.port(node))
            if c.call("SET", "after-restart", "1") == "OK":
                break
            c.close()
            if time.time() > deadline:
                fail("no write accepted after full restart")
            time.sleep(0.05)
        c.close()
        wait_caught_up(cluster)
        verify_all(cluster, acked, "after full restart")
        if READ_MODE in ("readindex", "lease"):
            cut_off_reads(cluster)
        else:
            leader_reads_through_log(cluster, acked)
        transfer(cluster)
        ok = True
    finally:
        cluster.kill_all()
        if ok:
            shutil.rmtree(root, ignore_errors=True)
            print("PASS")
        else:
            print("logs kept in", root)
            for node in (1, 2, 3):
                path = os.path.join(root, "node%d.log" % node)
                if os.path.exists(path):
                    print("---- node %d log (tail)" % node)
                    with open(path, "rb") as f:
                        print(b"".join(f.readlines()[-15:]).decode(errors="replace"))


if __name__ == "__main__":
    main()

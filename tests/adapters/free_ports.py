#!/usr/bin/env python3
"""free_ports.py N - print N distinct TCP ports free on 127.0.0.1.

Ports come from 20000-32767, below Linux's ephemeral range (32768-60999), so
outgoing connections of other processes never take them between this check
and the server's bind; the random start keeps parallel tests apart.
"""
import random
import socket
import sys


def free_ports(n):
    ports = []
    rng = random.SystemRandom()
    while len(ports) < n:
        p = rng.randrange(20000, 32768)
        if p in ports:
            continue
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", p))
        except OSError:
            continue
        finally:
            s.close()
        ports.append(p)
    return ports


if __name__ == "__main__":
    print(" ".join(str(p) for p in free_ports(int(sys.argv[1]) if len(sys.argv) > 1 else 1)))

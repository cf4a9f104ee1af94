#!/usr/bin/env python3
"""systemd's side of sd_notify for the bench scripts: binds NOTIFY_SOCKET (a datagram socket),
then prints one line per READY=1 it receives: "READY <ns since the epoch>". Several agents may
share it (each datagram carries MAINPID= only if the agent sends it, so the line just counts).

    notify_ready.py PATH [COUNT]      exits after COUNT READY=1 (default 1), or 120 s silence
"""
import os
import socket
import sys
import time

path = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
os.chmod(path, 0o600)
sock.settimeout(120)
print("BOUND", flush=True)
seen = 0
try:
    while seen < count:
        data = sock.recv(4096)
        if b"READY=1" in data.split(b"\n"):
            seen += 1
            print("READY %d" % time.time_ns(), flush=True)
except socket.timeout:
    print("notify_ready: no READY=1 for 120 s (%d of %d)" % (seen, count), file=sys.stderr)
    sys.exit(1)
finally:
    os.unlink(path)

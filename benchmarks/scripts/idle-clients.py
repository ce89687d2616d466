#!/usr/bin/env python3
"""Open N idle PostgreSQL client connections and hold them.

Each connection sends a protocol v3 StartupMessage (no TLS), expects trust
authentication (AuthenticationOk), reads until ReadyForQuery and then stays
idle.  When all connections are ready the script prints one line
"READY <n>" to stdout (flushed); with --hold it then holds the sockets until
it receives SIGTERM or SIGINT, without it closes them (Terminate) and exits.

Usage: idle-clients.py [--hold] HOST PORT COUNT [USER [DATABASE]]
Exit status 1 (after printing "FAILED <i> <reason>") if any connection fails.
"""
import signal
import socket
import struct
import sys


def startup_packet(user, database):
    body = struct.pack("!I", 196608)  # protocol 3.0
    for key, value in (("user", user), ("database", database),
                       ("application_name", "pgguard-idle-bench")):
        body += key.encode() + b"\0" + value.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by peer during startup")
        buf += chunk
    return buf


def handshake(sock):
    """Read backend messages until ReadyForQuery; fail on anything but trust."""
    while True:
        kind = read_exact(sock, 1)
        (length,) = struct.unpack("!I", read_exact(sock, 4))
        payload = read_exact(sock, length - 4)
        if kind == b"R":
            (code,) = struct.unpack("!I", payload[:4])
            if code != 0:
                raise ConnectionError(f"server asks for authentication (code {code}); trust expected")
        elif kind == b"E":
            fields = [f for f in payload.split(b"\0") if f]
            msg = "; ".join(f[1:].decode(errors="replace") for f in fields if f[:1] in (b"C", b"M"))
            raise ConnectionError(f"ErrorResponse: {msg}")
        elif kind == b"Z":
            return


def main():
    args = sys.argv[1:]
    hold = bool(args) and args[0] == "--hold"
    if hold:
        args = args[1:]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    host, port, count = args[0], int(args[1]), int(args[2])
    user = args[3] if len(args) > 3 else "postgres"
    database = args[4] if len(args) > 4 else user
    packet = startup_packet(user, database)
    socks = []
    for i in range(count):
        try:
            s = socket.create_connection((host, port), timeout=30)
            s.sendall(packet)
            handshake(s)
            s.settimeout(None)
            socks.append(s)
        except Exception as e:  # report and give up
            print(f"FAILED {i} {e}", flush=True)
            return 1
    print(f"READY {len(socks)}", flush=True)

    def stop(*_):
        for s in socks:
            try:
                s.sendall(b"X\0\0\0\4")  # Terminate
                s.close()
            except OSError:
                pass
        sys.exit(0)

    if not hold:
        stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())

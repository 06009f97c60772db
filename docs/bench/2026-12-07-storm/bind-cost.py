"""What a load generator's bind() costs as one source address fills (docs/benchmarks.md,
"2026-12-07, night: the reconnect storm past 50,000").

Node binds a client socket given `localAddress` as libuv does: SO_REUSEADDR, then
bind(address, port 0). This does the same for N sockets on one loopback address and prints the
time per bind and the ports the kernel picked, per thousand.

    python3 bind-cost.py 127.0.0.77 1 15000   # with SO_REUSEADDR, as Node does
    python3 bind-cost.py 127.0.0.78 0 15000   # without
"""
import socket
import sys
import time

addr, reuse, total = sys.argv[1], sys.argv[2] == '1', int(sys.argv[3])
socks, ports = [], []
t = time.perf_counter()
for i in range(1, total + 1):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if reuse:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 0))
    socks.append(s)
    ports.append(s.getsockname()[1])
    if i % 1000 == 0:
        now = time.perf_counter()
        last = ports[-1000:]
        print(f"{i:6d} bound: {1e6 * (now - t) / 1000:8.1f} us/bind  last 1000 ports: min {min(last)} max {max(last)} odd {sum(p % 2 for p in last)}", flush=True)
        t = now

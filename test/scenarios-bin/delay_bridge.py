#!/usr/bin/env python3
"""Userspace L2 delay bridge (a netem stand-in for kernels without sch_netem).

    python3 delay_bridge.py IF_A IF_B --delay-ab MS --jitter-ab MS [--delay-ba MS --jitter-ba MS] [--seed N]
                            [--tcp-port P ...]

Runs inside a "router" network namespace that owns two veth ends IF_A and IF_B (no IP addresses).
Every frame received on IF_A is sent out on IF_B after delay_ab +- uniform(jitter_ab) ms, and vice
versa with the _ba parameters. Order is kept per direction (a frame is never released before the
previous one of the same direction), like netem with a rate or a pfifo child: pure delay/jitter,
no reordering. With --tcp-port (repeatable), only IPv4/IPv6 TCP frames from or to one of those
ports are delayed; every other frame is forwarded at once (order is kept within each of the two
classes, per direction), so one connection gets a long path while the others share the link.
Prints READY when both raw sockets are bound.
Requires checksum offload off on the senders (the generator runs `ethtool -K ... tx off`) because
frames are forwarded byte-for-byte.
"""
import argparse
import heapq
import random
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def tcp_ports(frame):
    """(sport, dport) of an untagged Ethernet IPv4/IPv6 TCP frame (no IPv6 extension headers), else None."""
    if len(frame) < 14:
        return None
    etype = (frame[12] << 8) | frame[13]
    if etype == 0x0800 and len(frame) >= 34 and frame[23] == 6:
        off = 14 + (frame[14] & 0x0F) * 4
    elif etype == 0x86DD and len(frame) >= 54 and frame[20] == 6:
        off = 54
    else:
        return None
    if len(frame) < off + 4:
        return None
    return ((frame[off] << 8) | frame[off + 1], (frame[off + 2] << 8) | frame[off + 3])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('if_a')
    p.add_argument('if_b')
    p.add_argument('--delay-ab', type=float, default=20.0)
    p.add_argument('--jitter-ab', type=float, default=5.0)
    p.add_argument('--delay-ba', type=float, default=0.0)
    p.add_argument('--jitter-ba', type=float, default=0.0)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--tcp-port', type=int, action='append', default=[])
    a = p.parse_args()
    only_ports = set(a.tcp_port)
    rnd = random.Random(a.seed)

    socks = {}
    for name in (a.if_a, a.if_b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        s.bind((name, 0))
        s.setblocking(False)
        socks[name] = s
    sa, sb = socks[a.if_a], socks[a.if_b]
    params = {
        sa.fileno(): (sb, a.delay_ab / 1000.0, a.jitter_ab / 1000.0),
        sb.fileno(): (sa, a.delay_ba / 1000.0, a.jitter_ba / 1000.0),
    }
    last_release = {}  # (input fd, delayed?) -> release time of the previous frame
    queue = []  # (release_time, seq, out_socket, frame)
    seq = 0
    print('READY', flush=True)
    while True:
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, out, frame = heapq.heappop(queue)
            try:
                out.send(frame)
            except OSError as e:
                print('send failed: %r' % e, file=sys.stderr, flush=True)
        timeout = max(0.0, queue[0][0] - now) if queue else 1.0
        r, _, _ = select.select([sa, sb], [], [], timeout)
        for s in r:
            while True:
                try:
                    frame, addr = s.recvfrom(65535)
                except BlockingIOError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                out, delay, jitter = params[s.fileno()]
                delayed = True
                if only_ports:
                    ports = tcp_ports(frame)
                    delayed = ports is not None and (ports[0] in only_ports or ports[1] in only_ports)
                if delayed:
                    d = delay + (rnd.uniform(-jitter, jitter) if jitter > 0 else 0.0)
                else:
                    d = 0.0
                key = (s.fileno(), delayed)
                rel = max(time.monotonic() + max(d, 0.0), last_release.get(key, 0.0))
                last_release[key] = rel
                seq += 1
                heapq.heappush(queue, (rel, seq, out, frame))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Client and server programs for the tcpx capture scenarios (test/src/scenarios).

Run inside the scenario network namespaces by the generator:
    python3 traffic.py server <mode> --bind ADDR --port N [options]
    python3 traffic.py client <mode> --host ADDR --port N [options]

A server prints "READY" on stdout once it listens, and exits after --conns connections (or when
killed). A client exits 0 when its exchange completed as planned. Only standard library.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

CHUNK = 65536


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def family_of(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        d = sock.recv(min(CHUNK, n - len(buf)))
        if not d:
            raise EOFError('peer closed after %d of %d bytes' % (len(buf), n))
        buf += d
    return bytes(buf)


def recv_line(sock):
    buf = bytearray()
    while not buf.endswith(b'\n'):
        d = sock.recv(1)
        if not d:
            return None
        buf += d
    return bytes(buf)


def send_all(sock, n, chunk=CHUNK):
    block = (b'0123456789abcdefghijklmnopqrstuvwxyz' * (chunk // 36 + 1))[:chunk]
    left = n
    while left > 0:
        m = min(left, chunk)
        sock.sendall(block[:m])
        left -= m


def drain(sock):
    total = 0
    while True:
        d = sock.recv(CHUNK)
        if not d:
            return total
        total += len(d)


def abort_close(sock):
    """Abortive close: SO_LINGER on with timeout 0 makes close() send a RST."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    sock.close()


# ----------------------------------------------------------------------------------------- server

def serve_conn(mode, conn, args):
    if mode == 'http':
        # Request lines "GET <size>\n" -> "OK <size>\n" + size bytes; EOF -> close.
        while True:
            line = recv_line(conn)
            if line is None:
                break
            size = int(line.split()[1])
            conn.sendall(b'OK %d\n' % size)
            send_all(conn, size)
        conn.close()
    elif mode == 'bulk':
        # Send --size bytes, then close and wait for the client's FIN.
        send_all(conn, args.size)
        conn.shutdown(socket.SHUT_WR)
        drain(conn)
        conn.close()
    elif mode == 'sink':
        # Optionally pause before reading (zero-window); then read to EOF.
        if args.pause > 0:
            time.sleep(args.pause)
        total = 0
        while True:
            d = conn.recv(args.read_chunk)
            if not d:
                break
            total += len(d)
            if args.read_delay > 0:
                time.sleep(args.read_delay)
        conn.sendall(b'GOT %d\n' % total)
        conn.close()
    elif mode == 'halfclose':
        # Read the request until the client's FIN, then keep sending for a while, then close.
        req = drain(conn)
        for _ in range(args.chunks):
            conn.sendall(b'x' * args.chunk_size)
            time.sleep(args.interval)
        conn.sendall(b'END %d\n' % req)
        conn.close()
    elif mode == 'echo':
        # Echo until EOF or RST (rst-close, keepalive, port-reuse).
        try:
            while True:
                d = conn.recv(CHUNK)
                if not d:
                    break
                conn.sendall(d)
        except ConnectionResetError:
            pass
        conn.close()
    else:
        raise SystemExit('unknown server mode %s' % mode)


def run_server(args):
    fam = family_of(args.bind)
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.rcvbuf)
    ls.bind((args.bind, args.port))
    ls.listen(512)
    print('READY', flush=True)
    threads = []
    for _ in range(args.conns):
        conn, _peer = ls.accept()
        t = threading.Thread(target=serve_conn, args=(args.mode, conn, args), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(timeout=30)
    ls.close()


# ----------------------------------------------------------------------------------------- client

def connect(args, src_port=None, keepalive=False):
    fam = family_of(args.host)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if args.sndbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, args.sndbuf)
    if keepalive:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 10)
    if src_port is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('::' if fam == socket.AF_INET6 else '0.0.0.0', src_port))
    s.settimeout(args.timeout)
    s.connect((args.host, args.port))
    return s


def http_get(s, size):
    s.sendall(b'GET %d\n' % size)
    hdr = recv_line(s)
    if hdr is None or not hdr.startswith(b'OK'):
        raise RuntimeError('bad response header %r' % hdr)
    recv_exact(s, size)


def run_client(args):
    mode = args.mode
    if mode == 'http':
        s = connect(args)
        for size in [int(x) for x in args.sizes.split(',')]:
            http_get(s, size)
            if args.think > 0:
                time.sleep(args.think)
        s.shutdown(socket.SHUT_WR)
        drain(s)
        s.close()
    elif mode == 'bulk-recv':
        s = connect(args)
        got = drain(s)
        s.close()
        if got != args.size:
            raise RuntimeError('received %d of %d bytes' % (got, args.size))
    elif mode == 'blast':
        s = connect(args)
        send_all(s, args.size, chunk=16384)
        s.shutdown(socket.SHUT_WR)
        line = recv_line(s)
        s.close()
        if line is None or int(line.split()[1]) != args.size:
            raise RuntimeError('server reported %r for %d bytes' % (line, args.size))
    elif mode == 'refused':
        for _ in range(args.count):
            try:
                s = connect(args)
                s.close()
                raise RuntimeError('connect to a closed port succeeded')
            except ConnectionRefusedError:
                pass
            time.sleep(args.think)
    elif mode == 'keepalive':
        s = connect(args, keepalive=True)
        s.sendall(b'hello\n')
        recv_exact(s, 6)
        time.sleep(args.idle)
        s.sendall(b'bye\n')
        recv_exact(s, 4)
        s.shutdown(socket.SHUT_WR)
        drain(s)
        s.close()
    elif mode == 'rst':
        s = connect(args)
        for _ in range(args.rounds):
            s.sendall(b'y' * args.chunk_size)
            recv_exact(s, args.chunk_size)
        abort_close(s)
    elif mode == 'reuse':
        for i in range(args.count):
            s = connect(args, src_port=args.src_port)
            s.sendall(b'round %d\n' % i)
            recv_exact(s, len(b'round %d\n' % i))
            abort_close(s)
            time.sleep(args.think)
    elif mode == 'many':
        errors = []
        sem = threading.Semaphore(args.parallel)

        def one(i):
            with sem:
                try:
                    s = connect(args)
                    http_get(s, args.size)
                    s.shutdown(socket.SHUT_WR)
                    drain(s)
                    s.close()
                except Exception as e:  # noqa: BLE001
                    errors.append('%d: %r' % (i, e))

        ts = [threading.Thread(target=one, args=(i,)) for i in range(args.count)]
        for t in ts:
            t.start()
            time.sleep(args.stagger)
        for t in ts:
            t.join()
        if errors:
            raise RuntimeError('%d connections failed: %s' % (len(errors), errors[:3]))
    elif mode == 'halfclose':
        s = connect(args)
        s.sendall(b'please send me data until I am done\n')
        s.shutdown(socket.SHUT_WR)
        got = drain(s)
        s.close()
        if got <= 0:
            raise RuntimeError('no data after half-close')
    else:
        raise SystemExit('unknown client mode %s' % mode)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('role', choices=['server', 'client'])
    p.add_argument('mode')
    p.add_argument('--bind', default='0.0.0.0')
    p.add_argument('--host')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--conns', type=int, default=1)
    p.add_argument('--size', type=int, default=1 << 20)
    p.add_argument('--sizes', default='1024,102400,409600,524288')
    p.add_argument('--think', type=float, default=0.0)
    p.add_argument('--rcvbuf', type=int, default=0)
    p.add_argument('--sndbuf', type=int, default=0)
    p.add_argument('--pause', type=float, default=0.0)
    p.add_argument('--read-chunk', type=int, default=CHUNK)
    p.add_argument('--read-delay', type=float, default=0.0)
    p.add_argument('--chunks', type=int, default=10)
    p.add_argument('--chunk-size', type=int, default=1000)
    p.add_argument('--interval', type=float, default=0.1)
    p.add_argument('--count', type=int, default=3)
    p.add_argument('--idle', type=float, default=4.0)
    p.add_argument('--rounds', type=int, default=3)
    p.add_argument('--src-port', type=int, default=0)
    p.add_argument('--parallel', type=int, default=20)
    p.add_argument('--stagger', type=float, default=0.0)
    p.add_argument('--timeout', type=float, default=20.0)
    args = p.parse_args()
    try:
        if args.role == 'server':
            run_server(args)
        else:
            run_client(args)
    except Exception as e:  # noqa: BLE001
        log('%s %s failed: %r' % (args.role, args.mode, e))
        sys.exit(1)
    os._exit(0)


if __name__ == '__main__':
    main()

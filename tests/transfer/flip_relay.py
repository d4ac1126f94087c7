#!/usr/bin/env python3
"""A TCP relay that flips one byte of the client->server direction.

usage: flip_relay.py LISTEN_PORT TARGET_HOST TARGET_PORT FLIP_OFFSET
Serves one connection at a time; every byte is passed through except the byte at
FLIP_OFFSET of each connection's client->server stream, which is XORed with 0x5a.
"""
import socket
import sys
import threading

listen_port, host, port, flip_at = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])


def pump(src, dst, flip):
    seen = 0
    flipped = False
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if flip and not flipped and seen <= flip_at < seen + len(data):
                b = bytearray(data)
                b[flip_at - seen] ^= 0x5A
                data = bytes(b)
                flipped = True
                print("flip_relay: flipped byte", flip_at, flush=True)
            seen += len(data)
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("0.0.0.0", listen_port))
srv.listen(4)
print("flip_relay: listening", flush=True)
while True:
    c, _ = srv.accept()
    u = socket.create_connection((host, port))
    threading.Thread(target=pump, args=(c, u, True), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, False), daemon=True).start()

#!/usr/bin/env python3
"""deploy/lib/tcp-relay.py PORT CONTROL: a TCP relay on 127.0.0.1:PORT for deploy/chaos.

CONTROL is a file holding "HOST PORT DELAY_MS". It is read again every 0.2 s: a new delay
applies at once to every connection (each chunk waits DELAY_MS before it is passed on, in
both directions: a slow database); a new target closes the connections to the old one and
sends new connections to the new one (what a failover manager does to its endpoint).
"""
import asyncio
import sys

listen_port, control = int(sys.argv[1]), sys.argv[2]
state = {"target": None, "delay": 0.0}
connections = set()


def read_control():
    host, port, delay = open(control).read().split()
    return (host, int(port)), float(delay) / 1000


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if state["delay"] > 0:
                await asyncio.sleep(state["delay"])
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError, OSError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    target = state["target"]
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(*target)
    except OSError:
        client_writer.close()
        return
    entry = (target, client_writer, upstream_writer)
    connections.add(entry)
    try:
        await asyncio.gather(pipe(client_reader, upstream_writer), pipe(upstream_reader, client_writer))
    finally:
        connections.discard(entry)


async def watch():
    while True:
        try:
            target, delay = read_control()
        except (OSError, ValueError):
            target, delay = state["target"], state["delay"]
        state["delay"] = delay
        if target != state["target"]:
            state["target"] = target
            for old, client, upstream in list(connections):
                if old != target:
                    client.close()
                    upstream.close()
        await asyncio.sleep(0.2)


async def main():
    state["target"], state["delay"] = read_control()
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    asyncio.create_task(watch())
    async with server:
        await server.serve_forever()


asyncio.run(main())

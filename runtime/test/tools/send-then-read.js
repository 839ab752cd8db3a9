#!/usr/bin/env node
/**
 * A client in its own process that sends a whole request body before reading anything (as simple HTTP/1.1
 * clients do), keeping its side open after the server's FIN. Prints one JSON line:
 * {"sent": bytes, "writeError": code | null, "response": first 4 KiB of what the server sent}.
 * usage: send-then-read.js PORT PATH BODY_BYTES
 */
const net = require('node:net');
const [port, path, total] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
let response = '';
let writeError = null;
let sent = 0;
const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, async () => {
  socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
  const chunk = Buffer.alloc(1024 * 1024, 0x20);
  while (sent < total && writeError === null) {
    const ok = socket.write(chunk);
    sent += chunk.length;
    if (!ok) await new Promise((resolve) => (socket.once('drain', resolve), socket.once('close', resolve)));
  }
  socket.end();
});
socket.on('error', (e) => (writeError = writeError ?? e.code));
socket.on('data', (d) => (response += d.toString('latin1')));
socket.on('close', () => process.stdout.write(`${JSON.stringify({ sent, writeError, response: response.slice(0, 4096) })}\n`));

import { Router, json } from 'express';
import { z } from 'zod';
import { handleMessage, type ConversationDeps } from '../../application/conversation-service';
import type { AttachmentRepository } from '../../application/ports';
import { parseConsoleLine } from './inbound';

const body = z.object({
  user: z.string().trim().min(1).max(64),
  line: z.string().max(4000),
});

/**
 * `POST /console/messages`: the terminal chat (`npm run chat`) talking to a running server.
 * It lets anyone act as any console user, so it answers only to this machine (loopback).
 */
export function consoleRoutes(deps: ConversationDeps, attachments: AttachmentRepository, now: () => Date = () => new Date()): Router {
  const router = Router();
  router.post('/console/messages', json({ limit: '16kb' }), async (req, res) => {
    if (!isLoopback(req.socket.remoteAddress)) {
      res.status(403).json({ error: { code: 'CONSOLE.LOCAL_ONLY', message: 'The console channel answers only to this machine.', details: {} } });
      return;
    }
    const parsed = body.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: { code: 'HTTP.VALIDATION', message: 'Send {"user": "...", "line": "..."}.', details: { issues: parsed.error.issues } } });
      return;
    }
    const replies = await consoleTurn(deps, attachments, parsed.data.user, parsed.data.line, now());
    res.json({ replies });
  });
  return router;
}

/** One typed line from a console user, through the same engine every channel uses. */
export async function consoleTurn(deps: ConversationDeps, attachments: AttachmentRepository, user: string, line: string, now: Date) {
  const message = parseConsoleLine(line);
  if (!message) return [];
  const person = { channel: 'console', externalId: user, displayName: user };
  if (message.kind === 'photo') {
    const stored = await attachments.add({ channel: 'console', externalRef: message.path, identityId: null, contentType: null, sizeBytes: null, storagePath: null });
    return handleMessage(deps, person, { kind: 'image', attachmentId: stored.id, ...(message.caption ? { caption: message.caption } : {}) }, now);
  }
  return handleMessage(deps, person, message, now);
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

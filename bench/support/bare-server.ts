/**
 * The baseline: a bare Express app that parses the same webhook bodies as the real one and
 * answers bodies of the same size, with no dialog, database or Redis behind it. Run as its own
 * process (like the app) by the bench; PORT and BARE_WECHAT_REPLY_BYTES (the size of the app's passive reply).
 */
import { createServer } from 'node:http';
import express, { json, text } from 'express';
import { MAX_XML_BYTES, parseWechatXml } from '../../src/channels/wechat-official/xml';

const wechatBytes = Number(process.env.BARE_WECHAT_REPLY_BYTES ?? 300);

// The app answers every accepted update with exactly this.
const telegramReply = '{"ok":true}';
const wechatHead = '<xml><ToUserName><![CDATA[u]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[';
const wechatTail = ']]></Content></xml>';
const wechatReply = wechatHead + 'x'.repeat(Math.max(0, wechatBytes - wechatHead.length - wechatTail.length)) + wechatTail;

const app = express();
app.get('/readyz', (_req, res) => {
  res.json({ ok: true });
});
app.post('/telegram/webhook', json({ limit: '1mb' }), (req, res) => {
  const update = req.body as { update_id?: unknown };
  if (typeof update?.update_id !== 'number') {
    res.status(400).json({ error: 'no update_id' });
    return;
  }
  res.type('application/json').send(telegramReply);
});
app.post('/wechat', text({ type: () => true, limit: MAX_XML_BYTES }), (req, res) => {
  const parsed = parseWechatXml(typeof req.body === 'string' ? req.body : '');
  if (!parsed.ok) {
    res.status(400).json({ error: parsed.error.code });
    return;
  }
  res.type('application/xml').send(wechatReply);
});

createServer(app).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');

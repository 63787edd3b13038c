import { createInterface } from 'node:readline';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { startApp, type RunningApp } from './app';
import { consoleTurn } from './channels/console/console.routes';
import { renderForTerminal } from './channels/console/render';
import { loadConfigOrExit } from './config/load-config';
import type { Reply } from './conversation/messages';
import { createLogger } from './logger';

const usage = `npm run chat [-- --user NAME]

Talk to the complaint bot in this terminal, as the console user NAME (default: your login).
If a server started with npm start is running on PORT, the chat goes through it; otherwise the
chat opens the same embedded database and Redis itself.

Type as in a chat app. Besides text: /photo PATH [caption], /location LAT,LNG [label],
/status TS-…, /lang, /cancel, /help. Ctrl-D or /quit leaves.`;

type Turn = (line: string) => Promise<Reply[]>;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { user: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(usage);
    return;
  }
  const user = values.user ?? userInfo().username;
  const config = loadConfigOrExit();

  const serverUrl = `http://127.0.0.1:${config.env.PORT}`;
  let app: RunningApp | undefined;
  let turn: Turn;
  if (await answers(`${serverUrl}/healthz`)) {
    console.log(`(talking to the server at ${serverUrl} as "${user}")`);
    turn = async (line) => {
      const response = await fetch(`${serverUrl}/console/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user, line }),
      });
      const body = (await response.json()) as { replies?: Reply[]; error?: { message: string } };
      if (!response.ok) throw new Error(body.error?.message ?? `server answered ${response.status}`);
      return body.replies ?? [];
    };
  } else {
    console.log(`(starting on the embedded defaults in ${config.env.DATA_DIR}, as "${user}")`);
    app = await startApp(config, createLogger('warn'), { http: false });
    const running = app;
    turn = (line) => consoleTurn(running.conversations, running.store.attachments, user, line, new Date());
  }

  const terminal = createInterface({ input: process.stdin, output: process.stdout, prompt: `${user}> ` });
  // Typed lines echo by themselves; piped ones (a scripted demo) are echoed so the transcript reads.
  const echo = !process.stdin.isTTY;
  const show = (replies: Reply[]) => {
    for (const reply of replies) console.log(renderForTerminal(reply).map((line) => `bot> ${line}`).join('\n'));
  };
  // Taken before the first await: lines a pipe delivers meanwhile would otherwise be lost.
  const lines = terminal[Symbol.asyncIterator]();
  try {
    show(await turn('/start'));
    terminal.prompt();
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      const line = next.value;
      if (echo) console.log(line);
      if (line.trim() === '/quit') break;
      try {
        show(await turn(line));
      } catch (error) {
        console.error(`(error: ${(error as Error).message})`);
      }
      terminal.prompt();
    }
  } finally {
    terminal.close();
    await app?.stop();
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(500) })).ok;
  } catch {
    return false;
  }
}

void main();

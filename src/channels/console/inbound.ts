import type { InboundMessage } from '../../conversation/messages';

/**
 * A typed line → InboundMessage. Besides text and commands (`/status TS-…`, `/lang`), the
 * terminal stands in for what chat apps send as media: `/photo PATH` and `/location LAT,LNG LABEL`.
 */
export function parseConsoleLine(line: string): InboundMessage | { kind: 'photo'; path: string; caption: string } | null {
  const text = line.trim();
  if (!text) return null;
  const command = /^\/(\w+)(?:\s+(.*))?$/s.exec(text);
  if (!command) return { kind: 'text', text };
  const [, name = '', args = ''] = command;
  if (name === 'photo') {
    const [path = '', ...caption] = args.trim().split(/\s+/);
    return { kind: 'photo', path, caption: caption.join(' ') };
  }
  if (name === 'location') {
    const match = /^(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*(.*)$/s.exec(args.trim());
    if (!match) return { kind: 'text', text };
    const label = match[3]?.trim();
    return { kind: 'location', latitude: Number(match[1]), longitude: Number(match[2]), ...(label ? { label } : {}) };
  }
  return { kind: 'command', command: name, args: args.trim() };
}

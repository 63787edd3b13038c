import { Client } from 'pg';
import { CASE_NUMBER, INTAKE, signedQuery, startResilienceApp, wechatTextXml, type ResilienceApp } from './resilience-support';

const REDIS_DB = 11;

describe('WeChat retrying a message it thinks was lost', () => {
  let harness: ResilienceApp;

  beforeAll(async () => {
    harness = await startResilienceApp(REDIS_DB);
  });

  afterAll(async () => {
    await harness.stop();
  });

  /** One delivery of a message: the text of the passive reply, or '' for `success`. */
  async function deliver(openid: string, xml: string): Promise<string> {
    const answer = await fetch(`${harness.app.url}/wechat?${signedQuery(openid)}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: xml });
    const body = await answer.text();
    expect(answer.status).toBe(200);
    return body === 'success' ? '' : (/<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(body)?.[1] ?? body);
  }

  async function casesOf(openid: string): Promise<string[]> {
    const client = new Client({ connectionString: harness.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ number: string }>(
        `select c.number from cases c join channel_identities i on i.id = c.complainant_identity_id where i.channel = 'wechat' and i.external_id = $1`,
        [openid],
      );
      return rows.map((row) => row.number);
    } finally {
      await client.end();
    }
  }

  it('files one case when every message of an intake arrives three times at once, and a fourth time late', async () => {
    const users = ['oRetry1', 'oRetry2', 'oRetry3', 'oRetry4', 'oRetry5'];
    let msgId = 8_100_000_000_000_000_000n;
    const told = new Map<string, Set<string>>();
    await Promise.all(
      users.map(async (openid) => {
        told.set(openid, new Set());
        for (const line of INTAKE) {
          const xml = wechatTextXml(openid, line, String(msgId++));
          // WeChat's three tries of one MsgId, here all in flight together: the hardest order.
          const answers = await Promise.all([deliver(openid, xml), deliver(openid, xml), deliver(openid, xml)]);
          answers.push(await deliver(openid, xml));
          const replies = answers.filter(Boolean);
          // Every try that got a passive reply got the same one.
          expect(new Set(replies).size).toBeLessThanOrEqual(1);
          for (const reply of replies) for (const number of reply.match(CASE_NUMBER) ?? []) told.get(openid)!.add(number);
        }
      }),
    );
    for (const openid of users) {
      const numbers = await casesOf(openid);
      expect(numbers).toHaveLength(1);
      expect([...told.get(openid)!]).toEqual(numbers);
    }
  });
});

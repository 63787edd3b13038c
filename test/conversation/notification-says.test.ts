import { notificationSays } from '../../src/conversation/notification-says';
import type { Locale } from '../../src/conversation/messages';
import { createRenderer } from '../../src/i18n/render';
import { createCharacterTraditionalizer, createSimplifier } from '../../src/i18n/simplify';
import { createTranslator } from '../../src/i18n/translator';

describe('what staff and complainants are told about deadlines', () => {
  let render: (kind: string, payload: Record<string, unknown>, locale: Locale) => string;

  beforeAll(async () => {
    const renderer = createRenderer(await createTranslator({ strict: true }), 'Asia/Shanghai', {
      toSimplified: createSimplifier(),
      toTraditional: createCharacterTraditionalizer(),
    });
    render = (kind, payload, locale) =>
      renderer
        .render(notificationSays(kind, payload) ?? [], locale)
        .map((reply) => (reply.kind === 'caseCard' ? reply.card.title : reply.text))
        .join('\n');
  });

  const deadline = '2026-11-19T02:00:00.000Z';

  it.each<[string, Record<string, unknown>, Locale, string]>([
    ['sla_warning', { number: 'TS-202611-0001', clock: 'firstContact', deadline }, 'zh-Hans', '提醒：案件 TS-202611-0001 的首次联系投诉人时限将于 2026年11月19日 10:00 到期，请抓紧处理。'],
    ['sla_breached', { number: 'TS-202611-0001', clock: 'resolve', deadline, level: 'supervisor' }, 'zh-Hant', '案件 TS-202611-0001 已超過處理完畢時限（2026年11月19日 10:00），已升級至主管，請立即跟進。'],
    ['sla_breached', { number: 'TS-202611-0001', clock: 'acknowledge', deadline, level: 'department_manager' }, 'en', 'Case TS-202611-0001 missed its acknowledgement limit (19 November 2026 at 10:00) and has been escalated to the department manager; please follow up at once.'],
    ['staff_reply', { number: 'TS-202611-0001', text: '已联系门店核实' }, 'zh-Hant', '關於案件 TS-202611-0001，工作人員回覆：已聯繫門店核實'],
    ['progress_update', { number: 'TS-202611-0001', status: 'investigating', resolveBy: deadline }, 'zh-Hans', '案件 TS-202611-0001 每日进展：当前状态为调查处理中，预计 2026年11月19日 10:00 前办结。有新进展会第一时间通知您。'],
    ['progress_update', { number: 'TS-202611-0001', status: 'reopened', resolveBy: null }, 'en', 'Daily update on case TS-202611-0001: Being handled again. We will tell you as soon as there is news.'],
    ['deadline_extended', { number: 'JB-202611-0001', deadline, reason: '需要调取记录' }, 'zh-Hans', '您举报的案件 JB-202611-0001 需要更多时间调查，办理期限延长至 2026年11月19日 10:00。原因：需要调取记录'],
    ['status_changed', { number: 'TS-202611-0001', status: 'closed', reason: null, reasonKey: 'closedWithoutRating' }, 'zh-Hans', '案件 TS-202611-0001 有新进展：已结案。说明：回访期内没有收到您的评价，案件已自动结案。如问题仍未解决，欢迎再次投诉。'],
  ])('%s in %s', (kind, payload, locale, expected) => {
    expect(render(kind, payload, locale)).toBe(expected);
  });
});

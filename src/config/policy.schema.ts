import { z } from 'zod';

const id = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'expected a lower-case identifier such as product_quality');

/** Wording shown to users; zh-Hant may be left out and is then converted from zh-Hans. */
const label = z.object({
  'zh-Hans': z.string().min(1),
  'zh-Hant': z.string().min(1).optional(),
  en: z.string().min(1),
});

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time such as 09:00');

const slaDuration = z.object({
  unit: z.enum(['workingHours', 'workingDays', 'calendarHours', 'calendarDays']),
  amount: z.number().positive(),
});

const localDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date written YYYY-MM-DD');

export const caseTypeIds = ['complaint', 'suggestion', 'report'] as const;

export const policySchema = z.object({
  timeZone: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'expected an IANA time zone such as Asia/Shanghai')
    .describe('Time zone of business hours, deadlines and case-number months'),
  defaultLocale: z.enum(['zh-Hans', 'zh-Hant', 'en']).describe('Script used when a user has not written anything yet'),
  caseTypes: z
    .object(
      Object.fromEntries(
        caseTypeIds.map((type) => [
          type,
          z.object({ prefix: z.string().regex(/^[A-Z]{2,4}$/, 'expected 2-4 capital letters such as TS'), label }),
        ]),
      ) as Record<(typeof caseTypeIds)[number], z.ZodObject<{ prefix: z.ZodString; label: typeof label }>>,
    )
    .describe('complaint 投诉, suggestion 建议, report 举报, with the prefix of their case numbers'),
  categories: z.array(z.object({ id, label })).min(1).describe('What a complaint is about'),
  departments: z
    .array(z.object({ id, name: label }))
    .min(1)
    .describe('Departments that handle cases'),
  routing: z
    .object({
      fallbackDepartment: id,
      rules: z.array(z.object({ category: id, department: id })),
    })
    .describe('Which department handles which category'),
  businessHours: z
    .object({
      weekendDays: z.array(z.number().int().min(0).max(6)).default([0, 6]),
      intervals: z.array(z.object({ start: clockTime, end: clockTime })).min(1),
    })
    .describe('Working time that SLA deadlines count'),
  sla: z
    .object({
      acknowledge: slaDuration,
      firstContact: slaDuration,
      departmentAnswer: slaDuration,
      resolveGeneral: slaDuration,
      resolveComplex: slaDuration,
      resolveReport: slaDuration,
      resolveReportExtended: slaDuration,
      returnVisit: slaDuration,
      ratingReminder: slaDuration,
      warnAtFraction: z.number().gt(0).lt(1),
    })
    .describe('Time limits from the complaint-handling policy'),
  severity: z
    .object({
      collectiveThreshold: z.number().int().min(2),
      sameMatterWindowDays: z.number().int().min(1),
      keywords: z.array(z.string().min(1)).min(1),
    })
    .describe('When a case is major (重大)'),
  conversation: z
    .object({
      intakeExpiryHours: z.number().positive(),
      reminderAfterHours: z.number().positive(),
      minDescriptionLength: z.number().int().min(1),
      maxNameLength: z.number().int().min(1),
    })
    .refine((c) => c.reminderAfterHours < c.intakeExpiryHours, 'reminderAfterHours must be less than intakeExpiryHours')
    .describe('How the chat intake behaves: expiry, reminder, minimum detail'),
  repeatComplaints: z
    .object({
      windowDays: z.number().int().min(1),
      minSimilarity: z.number().gt(0).max(1),
    })
    .describe('Same complainant, same category, similar text within the window: the new case is linked to the earlier one'),
  support: z
    .object({ hotline: z.string().min(1), hours: label })
    .describe('How to reach a person, offered by "talk to a person"'),
  places: z
    .record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a /start payload: 1-64 of A-Z a-z 0-9 _ -'), label)
    .default({})
    .describe('Telegram /start payloads and WeChat QR scene keys that pre-fill where it happened'),
  faq: z
    .array(z.object({ id, keywords: z.array(z.string().min(1)).min(1), question: label, answer: label }))
    .default([])
    .describe('Answers offered before an intake starts, matched by keyword in either script'),
});

export type Policy = z.infer<typeof policySchema>;
export type CaseTypeId = (typeof caseTypeIds)[number];

export const calendarYearSchema = z.object({
  year: z.number().int().min(2000).max(2100),
  holidays: z.array(z.object({ name: z.string().min(1), from: localDate, to: localDate })),
  makeUpWorkdays: z.array(z.object({ date: localDate, for: z.string().min(1) })).default([]),
});

export type CalendarYear = z.infer<typeof calendarYearSchema>;

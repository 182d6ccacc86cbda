import { describe, expect, it } from 'vitest';
import {
  duplicateRequestText,
  REQUEST_STATUSES,
  requestCreatedText,
  requestMessageKeys,
  statusLabel,
  statusNotice,
  supplementReceivedText,
} from '../../src/requests/index.js';
import { requestListText } from '../../src/requests/messages.js';

const cancel = { ticket: 'CX-20251125-0007', kind: 'cancel-transaction' as const };
const suspend = { ticket: 'CX-20251125-0008', kind: 'suspend-settlement' as const };

describe('merchant-facing request messages', () => {
  it('has every text in both languages', () => {
    const { zh, en } = requestMessageKeys();
    expect(en.sort()).toEqual(zh.sort());
  });

  it('tells the ticket and what happens next for every status, in both languages', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const to of REQUEST_STATUSES) {
        for (const request of [cancel, suspend]) {
          const notice = statusNotice(locale, request, { to, reason: 'R-1' });
          expect(notice.text, `${locale} ${to}`).toContain(request.ticket);
          expect(notice.text).not.toMatch(/\{|\}|undefined|null/);
          if (locale === 'en') expect(notice.text).not.toMatch(/[\u4e00-\u9fff]/);
        }
      }
      expect(statusLabel(locale, 'needs_more_info')).not.toBe('');
    }
  });

  it('needs_more_info: the reviewer\'s reason and how to add materials', () => {
    const zh = statusNotice('zh-CN', cancel, { to: 'needs_more_info', reason: '签购单照片不清晰' });
    expect(zh.text).toContain('签购单照片不清晰');
    expect(zh.text).toContain('照片');
    expect(zh.text).toContain('补充材料');
    expect(zh.suggestedActions).toEqual(['补充材料', '转人工客服']);
    const en = statusNotice('en', cancel, { to: 'needs_more_info', reason: 'the slip photo is blurred' });
    expect(en.text).toContain('the slip photo is blurred');
    expect(en.text).toMatch(/photos or PDF/);
    expect(en.suggestedActions[0]).toBe('Add documents to my request');
  });

  it('approved: what happens now, per kind', () => {
    expect(statusNotice('zh-CN', cancel, { to: 'approved' }).text).toMatch(/3 到 5 个工作日.*10 到 14 个工作日/s);
    expect(statusNotice('en', cancel, { to: 'approved' }).text).toContain('3–5 working days');
    expect(statusNotice('zh-CN', suspend, { to: 'approved' }).text).toContain('恢复结算');
    expect(statusNotice('en', suspend, { to: 'approved' }).text).toContain('resume settlement');
  });

  it('rejected: the reason and the way to a person', () => {
    const zh = statusNotice('zh-CN', cancel, { to: 'rejected', reason: '已超过退货期限' });
    expect(zh.text).toContain('原因：已超过退货期限');
    expect(zh.text).toContain('转人工客服');
    expect(zh.suggestedActions).toEqual(['转人工客服']);
    const en = statusNotice('en', cancel, { to: 'rejected', reason: 'too old' });
    expect(en.text).toContain('Reason: too old');
    expect(en.text).toMatch(/human agent/);
    expect(statusNotice('en', cancel, { to: 'rejected' }).text).toContain('Reason: —');
  });

  it('closed, created, duplicate and supplement texts', () => {
    expect(statusNotice('zh-CN', cancel, { to: 'closed' }).text).toContain('已办结关闭');
    expect(statusNotice('en', cancel, { to: 'closed' }).suggestedActions).toEqual([]);
    expect(requestCreatedText('zh-CN', cancel)).toContain('工单号 CX-20251125-0007');
    expect(requestCreatedText('en', suspend)).toContain('settlement suspension request');
    expect(duplicateRequestText('zh-CN', { ...cancel, status: 'needs_more_info' })).toMatch(/CX-20251125-0007（待补充材料）/);
    expect(duplicateRequestText('en', { ...cancel, status: 'in_review' })).toContain('(in review)');
    expect(supplementReceivedText('zh-CN', cancel)).toContain('重新进入审核');
  });

  it('the list of recent requests says beside each what the review asked for', () => {
    const at = new Date('2025-11-25T04:00:00Z');
    const list = requestListText('zh-CN', [
      { ...cancel, status: 'needs_more_info', createdAt: at, note: '请补充签购单（商户存根联）照片' },
      { ...suspend, status: 'approved', createdAt: at },
    ]);
    expect(list).toContain('CX-20251125-0007 撤销/退货申请 · 待补充材料：请补充签购单（商户存根联）照片 · 2025-11-25 12:00');
    expect(list).toMatch(/CX-20251125-0008 \S+ · 已通过 · /);
    expect(requestListText('en', [{ ...cancel, status: 'rejected', createdAt: at, note: 'too old' }])).toContain(': too old · ');
  });
});

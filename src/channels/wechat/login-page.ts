/**
 * The operator's WeChat login page (`/agent/wechat`, console users only): the QR code to scan, drawn on
 * the server as an SVG data URL (the page runs no script and loads nothing from elsewhere, so the
 * console's CSP holds), and the login status; it refreshes itself every few seconds.
 */
import QRCode from 'qrcode';

const STATUS_TEXT: Record<string, string> = {
  off: '未配置微信（WECHATY_PUPPET 未设置） · WeChat is not configured',
  starting: '正在启动… · Starting…',
  scan: '请用要接待商户的微信号扫码登录 · Scan with the WeChat account merchants will talk to',
  up: '已登录 · Logged in',
  'logged-out': '已退出登录，等待新的二维码… · Logged out, waiting for a new QR code…',
  failed: '启动失败，请查看日志 · Failed to start: see the log',
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export async function renderWechatLoginPage(status: string, qrcode: { value: string } | undefined, user?: { name: string }): Promise<string> {
  const svg = qrcode && status === 'scan' ? await QRCode.toString(qrcode.value, { type: 'svg', margin: 2, width: 280 }) : undefined;
  const image = svg ? `<img alt="WeChat login QR code" width="280" height="280" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}">` : '';
  const who = status === 'up' && user ? `<p>${escapeHtml(user.name)}</p>` : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
<title>微信登录 · WeChat login</title>
<style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:90vh;margin:0;color:#1f2937}main{text-align:center}p{margin:.6em 0}</style>
</head><body><main><h1>微信登录 · WeChat login</h1>${image}<p data-status="${escapeHtml(status)}">${escapeHtml(STATUS_TEXT[status] ?? status)}</p>${who}</main></body></html>`;
}

/** The QR code as terminal art, for the log-watching operator. */
export function terminalQrcode(value: string): Promise<string> {
  return QRCode.toString(value, { type: 'terminal', small: true });
}

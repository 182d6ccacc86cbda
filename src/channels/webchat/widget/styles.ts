/** The widget's stylesheet, placed in a <style> inside the shadow root (host-page CSS cannot reach it). */
export const CSS = `
:host{all:initial}
.root{--pa-accent:#0b63ce;--pa-on:#fff;font:14px/1.55 system-ui,-apple-system,"Segoe UI","PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",sans-serif;color:#1f2328;text-align:left;letter-spacing:normal;-webkit-text-size-adjust:100%}
*,*::before,*::after{box-sizing:border-box}
[hidden]{display:none!important}
button,textarea,input{font:inherit;color:inherit;margin:0}
button{cursor:pointer}
:focus-visible{outline:3px solid var(--pa-accent);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;padding:0;border:0;border-radius:50%;background:var(--pa-accent);color:var(--pa-on);box-shadow:0 6px 20px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center;transition:transform .15s}
.launcher:hover{transform:scale(1.06)}
.launcher svg{width:28px;height:28px}
.launcher .x,.open .launcher .c{display:none}
.open .launcher .x{display:block}
.badge{position:absolute;top:1px;right:1px;width:15px;height:15px;border-radius:50%;background:#d93025;border:2px solid #fff}
.panel{position:fixed;right:20px;bottom:88px;z-index:2147483001;width:380px;max-width:calc(100vw - 40px);height:min(640px,calc(100vh - 108px));display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.24);overflow:hidden;animation:pa-in .18s ease-out}
.panel:focus{outline:none}
@keyframes pa-in{from{opacity:0;transform:translateY(12px)}}
.head{flex:none;display:flex;align-items:center;gap:8px;padding:10px 8px 10px 14px;background:var(--pa-accent);color:var(--pa-on)}
.head :focus-visible{outline-color:currentColor;outline-offset:-3px}
.avatar{flex:none;width:36px;height:36px;border-radius:50%;background:rgba(255,255,255,.22);display:flex;align-items:center;justify-content:center}
.avatar svg{width:20px;height:20px}
.titles{flex:1;min-width:0}
h2{margin:0;font-size:15px;font-weight:600;line-height:1.3;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.status{margin:2px 0 0;font-size:12px;line-height:1.3;display:flex;align-items:center;gap:6px}
.status::before{content:"";flex:none;width:8px;height:8px;border-radius:50%;background:#ffc83d;box-shadow:0 0 0 1px rgba(0,0,0,.25)}
.status[data-state=connected]::before{background:#3ddc84}
.status[data-state=reconnecting]::before{background:#ff5a4e}
.icon{flex:none;min-width:36px;height:36px;padding:0 6px;border:0;border-radius:8px;background:transparent;display:inline-flex;align-items:center;justify-content:center}
.icon:hover{background:rgba(127,127,127,.2)}
.icon svg{width:20px;height:20px}
.lang{font-size:13px;font-weight:600}
.log{flex:1;min-height:0;overflow-y:auto;overscroll-behavior:contain;padding:14px 12px 8px;background:#f6f7f9;display:flex;flex-direction:column;gap:10px}
.empty{margin:auto 12px;text-align:center;color:#57606a;font-size:13px}
.msg{display:flex;flex-direction:column;align-items:flex-start;align-self:flex-start;max-width:88%;min-width:0}
.msg.user{align-self:flex-end;align-items:flex-end}
.bubble{max-width:100%;padding:8px 12px;border:1px solid #e1e4e8;border-radius:14px;border-top-left-radius:4px;background:#fff;overflow-wrap:anywhere;word-break:break-word}
.user .bubble{background:var(--pa-accent);color:var(--pa-on);border-color:transparent;border-radius:14px;border-top-right-radius:4px}
.user .text{white-space:pre-wrap}
.text:empty{display:none}
.msg[data-streaming] .text>:last-child::after{content:"▍";margin-left:2px;color:#8c959f}
.msg[data-state=sending] .bubble,.msg[data-state=failed] .bubble{opacity:.72}
.text p{margin:0 0 .55em}
.text ul,.text ol{margin:0 0 .55em;padding-left:1.4em}
.text li{margin:.15em 0}
.text>:last-child{margin-bottom:0}
.text code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em;background:rgba(127,127,127,.16);padding:1px 4px;border-radius:4px}
.bubble a{color:inherit;text-decoration:underline}
.files{display:flex;flex-wrap:wrap;gap:6px}
.text:not(:empty)+.files{margin-top:6px}
.files a{display:block;max-width:100%}
.img{display:block;max-width:100%;max-height:220px;min-width:40px;min-height:40px;border-radius:8px;background:rgba(127,127,127,.16)}
.chip{display:inline-flex;align-items:center;gap:6px;max-width:100%;padding:6px 10px;border:1px solid rgba(127,127,127,.35);border-radius:8px;background:rgba(127,127,127,.1);color:inherit;font-size:13px;text-decoration:none}
.chip span,.pchip span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip svg{flex:none;width:16px;height:16px}
.meta{margin-top:3px;font-size:12px;color:#57606a}
.retry{padding:2px 0;border:0;background:none;color:#b42318;font-size:12px;text-decoration:underline}
.actions{display:flex;flex-wrap:wrap;gap:6px;max-width:100%}
.action{max-width:100%;padding:6px 12px;border:1px solid var(--pa-accent);border-radius:16px;background:#fff;color:#1f2328;font-size:13px;line-height:1.35;text-align:left;overflow-wrap:anywhere}
.action:hover{background:#eef2f7}
.note{align-self:center;margin:0;padding:4px 10px;border-radius:10px;background:#e9ecf0;color:#4a525b;font-size:12px;text-align:center}
.typing{align-self:flex-start;display:flex;gap:4px;padding:12px 14px;border:1px solid #e1e4e8;border-radius:14px;background:#fff}
.typing i{width:6px;height:6px;border-radius:50%;background:#8c959f;animation:pa-dot 1.2s infinite}
.typing i:nth-child(2){animation-delay:.2s}
.typing i:nth-child(3){animation-delay:.4s}
@keyframes pa-dot{0%,60%,100%{opacity:.35;transform:none}30%{opacity:1;transform:translateY(-3px)}}
.alert{flex:none;margin:0;padding:8px 14px;border-top:1px solid #f3c1bb;background:#fdeceb;color:#8a1c12;font-size:13px;white-space:pre-line}
.pending{flex:none;display:flex;gap:6px;padding:8px 10px 0;overflow-x:auto;background:#fff;border-top:1px solid #e1e4e8}
.pchip{flex:none;display:flex;align-items:center;gap:6px;max-width:200px;padding:3px 2px 3px 4px;border:1px solid #d0d7de;border-radius:8px;font-size:12px}
.pchip img,.pchip .doc{flex:none;width:32px;height:32px;border-radius:4px;object-fit:cover}
.pchip .doc{display:flex;align-items:center;justify-content:center;background:#eef2f7;color:#4a525b}
.pchip .doc svg{width:18px;height:18px}
.pchip .icon{min-width:28px;height:28px}
.pchip .icon svg{width:14px;height:14px}
.composer{flex:none;display:flex;align-items:flex-end;gap:6px;padding:10px;padding-bottom:max(10px,env(safe-area-inset-bottom));border-top:1px solid #e1e4e8;background:#fff}
.pending+.composer{border-top:0}
textarea{flex:1;min-width:0;min-height:40px;max-height:120px;padding:8px 10px;border:1px solid #c9d1d9;border-radius:10px;background:#fff;color:#1f2328;line-height:1.45;resize:none}
textarea::placeholder{color:#6e7781}
textarea:focus-visible{outline:2px solid var(--pa-accent);outline-offset:0;border-color:var(--pa-accent)}
.attach{width:40px;height:40px;color:#4a525b}
.send{width:40px;height:40px;background:var(--pa-accent);color:var(--pa-on)}
.send:hover{background:var(--pa-accent);filter:brightness(1.1)}
@media (max-width:480px){
.launcher{right:16px;bottom:16px}
.open .launcher{display:none}
.panel{top:var(--pa-top,0px);left:0;right:0;bottom:0;width:100%;max-width:none;height:100vh;height:var(--pa-vh,100dvh);border-radius:0;box-shadow:none}
textarea{font-size:16px}
}
@media (prefers-reduced-motion:reduce){.panel,.typing i{animation:none}.launcher{transition:none}}
`;

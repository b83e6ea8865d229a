// Shared HTML layout for hosted pages: plain server-rendered HTML, small inline stylesheet.
export function esc(s: unknown): string {
  return String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

const CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1f36;background:#f6f9fc}
.banner{background:#ffde92;color:#5e4200;text-align:center;font-size:13px;font-weight:600;padding:6px 8px}
.wrap{max-width:960px;margin:0 auto;padding:24px 16px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:32px}@media(max-width:720px){.grid{grid-template-columns:1fr}}
.card{background:#fff;border-radius:10px;box-shadow:0 2px 5px rgba(50,50,93,.1),0 1px 2px rgba(0,0,0,.07);padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 12px;color:#3c4257}
.muted{color:#697386;font-size:13px}.total{font-size:30px;font-weight:700;margin:8px 0 16px}
.line{display:flex;justify-content:space-between;padding:8px 0;border-bottom:1px solid #e3e8ee}
label{display:block;font-size:13px;font-weight:600;color:#3c4257;margin:14px 0 4px}
input[type=text],input[type=email]{width:100%;padding:10px 12px;border:1px solid #cfd7df;border-radius:6px;font-size:15px}
input:focus{outline:2px solid #635bff;border-color:#635bff}
.row{display:flex;gap:12px}.row>div{flex:1}
button,.btn{display:inline-block;width:100%;margin-top:20px;padding:12px;border:0;border-radius:6px;background:#635bff;color:#fff;font-size:16px;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
button.secondary,.btn.secondary{background:#fff;color:#3c4257;border:1px solid #cfd7df}
button.danger{background:#df1b41}
.error{background:#fde8ec;color:#9b1030;border-radius:6px;padding:10px 12px;margin-top:14px;font-size:14px}
.ok{background:#e3f9ec;color:#0b6a3a;border-radius:6px;padding:10px 12px}
.cards{font-size:12px;color:#697386;margin-top:14px}.cards code{background:#f0f2f5;padding:1px 4px;border-radius:3px}
a{color:#635bff}table{width:100%;border-collapse:collapse;font-size:14px}td,th{text-align:left;padding:8px 6px;border-bottom:1px solid #e3e8ee}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;background:#e3e8ee;font-size:12px}
`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Test mode — Stripe emulator</title><style>${CSS}</style></head>
<body><div class="banner" id="test-mode-banner">Test mode — Stripe emulator · no real money moves</div><div class="wrap">${body}</div></body></html>`;
}

// Tavan's sandbox page: a Telegram-like chat with the bot through the sandbox's JSON API and its event
// stream. Plain JavaScript, no build step, nothing from the internet. Every piece of text is put in the
// page as a text node; formatting comes from the server as a tree of a few known tags (never HTML).
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };

  const state = {
    bot: null,
    users: [],
    me: null,
    zone: 'Asia/Tehran',
    clockOffsetMs: 0, // sandbox clock minus this browser's clock
    aheadSeconds: 0,
    messages: new Map(), // id → message
    nodes: new Map(), // id → element
    pending: new Map(), // callback query id → button element
    answered: new Set(), // callback query ids answered before the press's own response arrived
    replyTo: null,
    typingTimer: 0,
    connected: false,
    commands: [],
  };

  // ---------- formatting ----------

  const faNum = new Intl.NumberFormat('fa-IR');
  const fmt = (n) => faNum.format(n);
  let timeFmt;
  let dateFmt;
  let gregFmt;
  function makeFormats() {
    const z = state.zone;
    timeFmt = new Intl.DateTimeFormat('fa-IR', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: z });
    dateFmt = new Intl.DateTimeFormat('fa-IR-u-ca-persian', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: z });
    gregFmt = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: z, timeZoneName: 'short' });
  }
  makeFormats();
  // jalali is «جمعه ۶ آذر ۱۴۰۵», put together from parts: ICU builds differ in order and punctuation.
  function jalali(d) {
    const p = {};
    for (const part of dateFmt.formatToParts(d)) p[part.type] = part.value;
    return [p.weekday, p.day, p.month, p.year].filter(Boolean).join(' ');
  }
  const fullDate = (d) => jalali(d) + '، ساعت ' + timeFmt.format(d);
  const dayKey = (d) => new Intl.DateTimeFormat('en-CA', { timeZone: state.zone }).format(d);

  function humanSize(n) {
    if (n < 1024) return fmt(n) + ' بایت';
    if (n < 1024 * 1024) return fmt(Math.round(n / 102.4) / 10) + ' کیلوبایت';
    return fmt(Math.round(n / 104857.6) / 10) + ' مگابایت';
  }

  function humanAhead(sec) {
    const days = Math.floor(sec / 86400);
    const hours = Math.floor((sec % 86400) / 3600);
    const mins = Math.floor((sec % 3600) / 60);
    const parts = [];
    if (days) parts.push(fmt(days) + ' روز');
    if (hours) parts.push(fmt(hours) + ' ساعت');
    if (!days && mins) parts.push(fmt(mins) + ' دقیقه');
    return parts.join(' و ');
  }

  // ---------- API ----------

  async function api(method, path, body) {
    const opts = { method, headers: {} };
    if (body instanceof FormData) {
      opts.body = body;
    } else if (body !== undefined) {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(path, opts);
    let data = null;
    try { data = await res.json(); } catch (_) { /* empty */ }
    if (!res.ok) {
      const msg = data && data.error ? data.error : res.status + ' ' + res.statusText;
      throw new Error(msg);
    }
    return data;
  }

  // ---------- toasts and dialogs ----------

  let toastTimer = 0;
  function toast(text, kind) {
    const t = $('toast');
    t.textContent = text;
    t.dir = 'auto';
    t.className = 'toast' + (kind ? ' ' + kind : '');
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, Math.min(8000, 2500 + text.length * 45));
  }

  // dialog shows text (and optional form fields) and resolves to the fields' values, or null when cancelled.
  function dialog(text, fields) {
    const modal = $('modal');
    $('modal-text').textContent = text;
    const body = $('modal-body');
    body.replaceChildren();
    const inputs = [];
    for (const f of fields || []) {
      const label = el('label', 'field', f.label);
      const input = el('input');
      input.type = f.type || 'text';
      input.value = f.value || '';
      if (f.step) input.step = f.step;
      input.dir = f.dir || 'auto';
      label.append(input);
      body.append(label);
      inputs.push(input);
    }
    $('modal-cancel').hidden = !fields;
    modal.hidden = false;
    (inputs[0] || $('modal-ok')).focus();
    return new Promise((resolve) => {
      const done = (ok) => {
        modal.hidden = true;
        $('modal-ok').onclick = null;
        $('modal-cancel').onclick = null;
        modal.onkeydown = null;
        resolve(ok ? inputs.map((i) => i.value) : null);
      };
      $('modal-ok').onclick = () => done(true);
      $('modal-cancel').onclick = () => done(false);
      modal.onkeydown = (e) => {
        if (e.key === 'Escape') done(false);
        if (e.key === 'Enter') { e.preventDefault(); done(true); }
      };
    });
  }

  function showError(err) {
    toast('⚠️ ' + (err && err.message ? err.message : String(err)), 'error');
  }

  // ---------- rich text ----------

  const TAGS = { b: 'strong', i: 'em', u: 'u', s: 's', code: 'code', pre: 'pre', blockquote: 'blockquote', a: 'a', spoiler: 'span' };

  // deepLinkPayload reads t.me/<bot>?start=<payload> (ble.ir/… on Bale) links to this bot: the page opens them as /start.
  function deepLinkPayload(href) {
    if (!state.bot || !href) return null;
    let u;
    try { u = new URL(href); } catch (_) { return null; }
    if (!/^(https?:)$/.test(u.protocol) || !/^((www\.)?(t|telegram)\.me|ble\.ir)$/i.test(u.hostname)) return null;
    if (u.pathname.replace(/^\//, '').toLowerCase() !== state.bot.username.toLowerCase()) return null;
    return u.searchParams.get('start') || '';
  }

  // Links in plain text become clickable, as Telegram clients do; not inside links or code.
  const URL_RE = /\b(?:https?:\/\/|(?:www\.)?t\.me\/|ble\.ir\/)[^\s<>"«»]+/gi;

  function appendLinkified(parent, text) {
    let last = 0;
    for (const match of text.matchAll(URL_RE)) {
      let url = match[0].replace(/[.,،؛:;!?)\]'’»]+$/, '');
      if (!url) continue;
      if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
      const href = /^https?:/i.test(url) ? url : 'https://' + url;
      const a = linkElement(href);
      a.textContent = url;
      parent.append(a);
      last = match.index + url.length;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  // linkElement is an <a> for a safe href: a deep link to this bot opens /start here, web links open in a
  // new tab, tg:// links are shown (a browser cannot open them).
  function linkElement(href) {
    const e = document.createElement('a');
    const payload = deepLinkPayload(href);
    if (payload !== null) {
      e.href = href;
      e.className = 'deeplink';
      e.title = 'باز کردن در همین گفت‌وگو (/start ' + payload + ')';
      e.addEventListener('click', (ev) => { ev.preventDefault(); sendText(payload ? '/start ' + payload : '/start'); });
    } else if (/^https?:\/\//i.test(href)) {
      e.href = href;
      e.target = '_blank';
      e.rel = 'noopener noreferrer';
      e.title = href;
    } else if (/^tg:/i.test(href)) {
      e.className = 'tglink';
      e.title = href + ' (پیوند درون تلگرام)';
    }
    return e;
  }

  function renderNodes(nodes, parent, linkify = true) {
    for (const n of nodes || []) {
      if (!n.tag) {
        let text = n.text || '';
        // A block (quote, code) already ends its line: drop the newline the source has after it.
        const prev = parent.lastChild;
        if (prev && (prev.nodeName === 'BLOCKQUOTE' || prev.nodeName === 'PRE') && text.startsWith('\n')) text = text.slice(1);
        if (linkify) appendLinkified(parent, text); else parent.append(document.createTextNode(text));
        continue;
      }
      const tag = TAGS[n.tag];
      if (!tag) { // unknown to this page: keep the text
        renderNodes(n.children, parent);
        continue;
      }
      const e = n.tag === 'a' ? linkElement(n.href || '') : document.createElement(tag);
      if (n.tag === 'spoiler') {
        e.className = 'spoiler';
        e.title = 'برای دیدن بزنید';
        e.addEventListener('click', () => e.classList.add('revealed'));
      }
      if (n.tag === 'pre') e.dir = 'ltr';
      if (n.tag === 'code') e.dir = 'auto';
      renderNodes(n.children, e, linkify && !['a', 'code', 'pre'].includes(n.tag));
      parent.append(e);
    }
  }

  // ---------- messages ----------

  const list = () => $('messages');

  function isMine(m) { return !m.from_bot && m.from && state.me && m.from.id === state.me.id; }

  function upsert(m) {
    if (m.chat_id !== state.me.id) return;
    if (m.deleted) { remove(m.id); return; }
    const old = state.messages.get(m.id);
    if (old && old.edit_count > m.edit_count) return; // an older snapshot
    state.messages.set(m.id, m);
    const node = renderMessage(m);
    const oldNode = state.nodes.get(m.id);
    const stick = nearBottom();
    if (oldNode) {
      oldNode.replaceWith(node);
      if (old && old.edit_count !== m.edit_count) flash(node);
    } else {
      let next = null;
      for (const [id, n] of state.nodes) {
        if (id > m.id && (!next || id < Number(next.dataset.id))) next = n;
      }
      list().insertBefore(node, next);
    }
    state.nodes.set(m.id, node);
    afterChange(stick || (!oldNode && isMine(m))); // one's own new message always shows
  }

  function remove(id) {
    const node = state.nodes.get(id);
    state.messages.delete(id);
    state.nodes.delete(id);
    if (node) {
      node.classList.add('vanishing');
      setTimeout(() => { node.remove(); afterChange(false); }, 180);
    }
  }

  function flash(node) {
    node.classList.add('changed');
    setTimeout(() => node.classList.remove('changed'), 900);
  }

  function nearBottom() {
    const l = list();
    return l.scrollHeight - l.scrollTop - l.clientHeight < 120;
  }

  function scrollBottom() {
    const l = list();
    l.scrollTop = l.scrollHeight;
  }

  function afterChange(stick) {
    syncSeparators();
    $('empty').hidden = state.messages.size > 0;
    renderReplyKeyboard();
    updateForceReply();
    if (stick) scrollBottom();
  }

  // syncSeparators puts one date line before the first message of each day, without moving messages.
  function syncSeparators() {
    const l = list();
    let prevDay = null;
    for (const child of Array.from(l.children)) {
      if (child.classList.contains('day')) {
        child.remove();
        continue;
      }
      if (!child.dataset.id) continue;
      const m = state.messages.get(Number(child.dataset.id));
      if (!m) continue;
      const d = new Date(m.date);
      const key = dayKey(d);
      if (key !== prevDay) {
        const sep = el('div', 'day');
        sep.append(el('span', null, jalali(d)));
        l.insertBefore(sep, child);
        prevDay = key;
      }
    }
  }

  function renderMessage(m) {
    const mine = isMine(m);
    const row = el('div', 'msg ' + (mine ? 'out' : 'in') + (m.from_bot ? ' bot' : ' user'));
    row.dataset.id = m.id;
    row.dataset.kind = m.kind;
    const bubble = el('div', 'bubble kind-' + m.kind);
    row.append(bubble);

    if (m.forwarded) bubble.append(el('div', 'forwarded', 'بازارسال‌شده'));
    if (m.reply_to) {
      const q = state.messages.get(m.reply_to);
      const quote = el('div', 'quote');
      quote.dir = 'auto';
      quote.textContent = q ? (q.plain || kindLabel(q)).slice(0, 120) : 'پیام پاک‌شده';
      quote.addEventListener('click', () => {
        const n = state.nodes.get(m.reply_to);
        if (n) { n.scrollIntoView({ block: 'center', behavior: 'smooth' }); flash(n); }
      });
      bubble.append(quote);
    }

    const media = renderMedia(m);
    if (media) bubble.append(media);
    if (m.poll) bubble.append(renderPoll(m));
    if (m.place) bubble.append(renderPlace(m.place, m.kind));
    if (m.contact) bubble.append(renderContact(m.contact));

    if (m.text && m.text.length) {
      const text = el('div', 'text');
      text.dir = 'auto';
      renderNodes(m.text, text);
      bubble.append(text);
    }

    const meta = el('div', 'meta');
    if (m.edited) meta.append(el('span', 'edited', 'ویرایش‌شده'));
    const time = el('time', null, timeFmt.format(new Date(m.date)));
    time.dateTime = m.date;
    time.title = fullDate(new Date(m.date));
    meta.append(time);
    if (mine) meta.append(el('span', 'ticks', '✓✓'));
    bubble.append(meta);

    if (m.inline_keyboard && m.inline_keyboard.length) row.append(renderInlineKeyboard(m));
    return row;
  }

  function kindLabel(m) {
    return ({ photo: '🖼 عکس', audio: '🎵 صدا', voice: '🎙 پیام صوتی', video: '🎬 ویدیو', document: '📄 فایل', sticker: 'استیکر',
      animation: 'GIF', video_note: 'ویدیوی گرد', location: '📍 موقعیت', venue: '📍 مکان', contact: '👤 شماره', poll: '📊 نظرسنجی' })[m.kind] || '';
  }

  function renderMedia(m) {
    const f = m.file;
    if (!f) return null;
    if (!f.url) {
      const box = el('div', 'file-card');
      box.append(el('span', 'file-icon', '🔗'));
      const info = el('div', 'file-info');
      info.append(el('div', 'file-name', kindLabel(m) + ' از نشانی اینترنتی'));
      if (f.external_url) {
        const a = el('a', 'file-link', f.external_url);
        a.href = f.external_url; a.target = '_blank'; a.rel = 'noopener noreferrer'; a.dir = 'ltr';
        info.append(a);
      }
      box.append(info);
      return box;
    }
    switch (m.kind) {
      case 'photo': {
        const a = el('a', 'photo');
        a.href = f.url; a.target = '_blank'; a.rel = 'noopener';
        const img = el('img');
        img.src = f.url; img.alt = f.name; img.loading = 'lazy';
        img.addEventListener('load', () => { if (nearBottom()) scrollBottom(); });
        a.append(img);
        return a;
      }
      case 'sticker': {
        if ((f.mime || '').startsWith('image/')) {
          const img = el('img', 'sticker');
          img.src = f.url; img.alt = 'استیکر';
          return img;
        }
        return el('div', 'sticker-emoji', '🗒');
      }
      case 'audio':
      case 'voice': {
        const box = el('div', 'audio-box');
        const audio = el('audio');
        audio.controls = true; audio.preload = 'metadata'; audio.src = f.url;
        box.append(audio);
        if (m.kind === 'audio') box.append(fileLine(f));
        return box;
      }
      case 'video':
      case 'animation':
      case 'video_note': {
        const v = el('video', m.kind === 'video_note' ? 'round' : null);
        v.src = f.url; v.preload = 'metadata'; v.playsInline = true;
        if (m.kind === 'animation') { v.autoplay = true; v.loop = true; v.muted = true; } else { v.controls = true; }
        return v;
      }
      default:
        return fileCard(f);
    }
  }

  function fileLine(f) {
    const line = el('div', 'file-line');
    const a = el('a', null, '⬇ ' + f.name);
    a.href = f.url + '?download=1'; a.download = f.name; a.dir = 'auto';
    line.append(a, el('span', 'muted', ' · ' + humanSize(f.size)));
    return line;
  }

  function fileCard(f) {
    const isCalendar = /\.ics$/i.test(f.name) || f.mime === 'text/calendar';
    const a = el('a', 'file-card');
    a.href = f.url + '?download=1';
    a.download = f.name;
    a.append(el('span', 'file-icon', isCalendar ? '📅' : '📄'));
    const info = el('div', 'file-info');
    const name = el('div', 'file-name', f.name);
    name.dir = 'auto';
    info.append(name, el('div', 'muted', (isCalendar ? 'افزودن به تقویم · ' : 'دانلود · ') + humanSize(f.size)));
    a.append(info);
    return a;
  }

  function renderPlace(p, kind) {
    const box = el('div', 'place');
    box.append(el('div', 'place-pin', '📍'));
    const info = el('div', 'place-info');
    if (p.title) { const t = el('div', 'place-title', p.title); t.dir = 'auto'; info.append(t); }
    if (p.address) { const a = el('div', 'place-address', p.address); a.dir = 'auto'; info.append(a); }
    if (!p.title) info.append(el('div', 'place-title', kind === 'venue' ? 'مکان' : 'موقعیت مکانی'));
    const coords = el('div', 'coords', p.lat.toFixed(5) + ', ' + p.lon.toFixed(5));
    coords.dir = 'ltr';
    info.append(coords);
    const link = el('a', 'map-link', 'نمایش روی نقشه ↗');
    link.href = p.map_url; link.target = '_blank'; link.rel = 'noopener noreferrer';
    info.append(link);
    box.append(info);
    return box;
  }

  function renderContact(c) {
    const box = el('div', 'contact');
    box.append(el('div', 'avatar small', (c.first_name || '?').slice(0, 1)));
    const info = el('div');
    const n = el('div', 'contact-name', (c.first_name + ' ' + (c.last_name || '')).trim());
    n.dir = 'auto';
    const ph = el('div', 'contact-phone', c.phone);
    ph.dir = 'ltr';
    info.append(n, ph);
    box.append(info);
    return box;
  }

  function renderPoll(m) {
    const p = m.poll;
    const box = el('div', 'poll' + (p.type === 'quiz' ? ' quiz' : ''));
    box.dataset.poll = p.id;
    const q = el('div', 'poll-question', p.question);
    q.dir = 'auto';
    box.append(q);
    const kind = p.type === 'quiz' ? 'آزمون' : 'نظرسنجی';
    box.append(el('div', 'poll-kind muted', kind + (p.anonymous ? ' · ناشناس' : '') + (p.closed ? ' · بسته' : '')));
    const chosen = p.chosen || [];
    const answered = chosen.length > 0 || p.closed;
    const opts = el('div', 'poll-options');
    const picked = new Set();
    p.options.forEach((o, i) => {
      if (!answered) {
        const b = el('button', 'poll-option');
        b.type = 'button';
        b.dataset.option = i;
        b.append(el('span', 'radio' + (p.multiple ? ' square' : '')), textSpan(o.text));
        b.addEventListener('click', () => {
          if (p.multiple) {
            if (picked.has(i)) picked.delete(i); else picked.add(i);
            b.classList.toggle('picked', picked.has(i));
            submit.disabled = picked.size === 0;
            return;
          }
          vote(m, [i], box);
        });
        opts.append(b);
        return;
      }
      const pct = p.total_votes ? Math.round((o.votes * 100) / p.total_votes) : 0;
      const r = el('div', 'poll-result');
      r.dataset.option = i;
      const isCorrect = p.correct === i;
      const isChosen = chosen.includes(i);
      if (p.type === 'quiz') {
        if (isCorrect) r.classList.add('correct');
        else if (isChosen) r.classList.add('wrong');
      } else if (isChosen) r.classList.add('chosen');
      const mark = el('span', 'mark', isCorrect ? '✓' : (isChosen ? (p.type === 'quiz' ? '✗' : '✓') : ''));
      r.append(el('span', 'pct', fmt(pct) + '٪'), mark, textSpan(o.text));
      const bar = el('div', 'bar');
      bar.style.width = Math.max(pct, 2) + '%';
      r.append(bar);
      opts.append(r);
    });
    box.append(opts);
    let submit = null;
    if (!answered && p.multiple) {
      submit = el('button', 'poll-submit', 'ثبت رأی');
      submit.type = 'button';
      submit.disabled = true;
      submit.addEventListener('click', () => vote(m, Array.from(picked).sort(), box));
      box.append(submit);
    }
    if (answered && p.type === 'quiz' && chosen.length) {
      const right = chosen.includes(p.correct);
      box.append(el('div', 'verdict ' + (right ? 'right' : 'wrong'), right ? '🎉 درست است!' : '❌ پاسخ درست نبود.'));
    }
    if (answered && p.explanation) {
      const ex = el('div', 'explanation');
      ex.dir = 'auto';
      ex.append(el('span', 'bulb', '💡 '), document.createTextNode(p.explanation));
      box.append(ex);
    }
    box.append(el('div', 'poll-total muted', p.total_votes ? fmt(p.total_votes) + ' رأی' : 'هنوز رأی نداده‌اند'));
    return box;
  }

  function textSpan(t) {
    const s = el('span', 'opt-text', t);
    s.dir = 'auto';
    return s;
  }

  async function vote(m, options, box) {
    box.classList.add('busy');
    try {
      const updated = await api('POST', '/api/poll', { user: state.me.id, poll_id: m.poll.id, options });
      upsert(updated);
      const p = updated.poll;
      if (p.type === 'quiz' && p.chosen && p.correct !== undefined && !p.chosen.includes(p.correct) && p.explanation) {
        toast('💡 ' + p.explanation);
      }
    } catch (err) {
      box.classList.remove('busy');
      showError(err);
    }
  }

  function renderInlineKeyboard(m) {
    const kb = el('div', 'inline-keyboard');
    for (const row of m.inline_keyboard) {
      const r = el('div', 'kb-row');
      for (const b of row) {
        const btn = el('button', 'kb-btn');
        btn.type = 'button';
        btn.dir = 'auto';
        btn.append(el('span', 'kb-label', b.text));
        if (b.url) {
          btn.classList.add('url');
          btn.title = b.url;
          btn.append(el('span', 'kb-corner', '↗'));
          btn.addEventListener('click', () => openURL(b.url));
        } else if (b.data) {
          btn.dataset.cb = b.data;
          btn.addEventListener('click', () => press(m, b, btn));
        } else {
          btn.disabled = true;
        }
        r.append(btn);
      }
      kb.append(r);
    }
    return kb;
  }

  function openURL(url) {
    const payload = deepLinkPayload(url);
    if (payload !== null) {
      sendText(payload ? '/start ' + payload : '/start');
      return;
    }
    if (/^https?:\/\//i.test(url)) window.open(url, '_blank', 'noopener,noreferrer');
  }

  async function press(m, b, btn) {
    if (btn.classList.contains('pending')) return;
    btn.classList.add('pending');
    try {
      const res = await api('POST', '/api/press', { user: state.me.id, message: m.id, data: b.data });
      if (state.answered.has(res.query_id)) { // the answer came on the event stream before this response
        state.answered.delete(res.query_id);
        btn.classList.remove('pending');
        return;
      }
      state.pending.set(res.query_id, btn);
      setTimeout(() => { btn.classList.remove('pending'); state.pending.delete(res.query_id); }, 15000);
    } catch (err) {
      btn.classList.remove('pending');
      showError(err);
    }
  }

  function onCallbackAnswer(a) {
    const btn = state.pending.get(a.query_id);
    if (btn) { btn.classList.remove('pending'); state.pending.delete(a.query_id); } else state.answered.add(a.query_id);
    if (!a.text) return;
    if (a.show_alert) dialog(a.text); else toast(a.text);
  }

  // ---------- reply keyboard and force reply ----------

  function activeReplyKeyboard() {
    const ids = Array.from(state.messages.keys()).sort((a, b) => b - a);
    for (const id of ids) {
      const m = state.messages.get(id);
      if (!m.from_bot) continue;
      if (m.remove_keyboard) return null;
      if (m.reply_keyboard && m.reply_keyboard.length) return m.reply_keyboard;
    }
    return null;
  }

  function renderReplyKeyboard() {
    const kb = activeReplyKeyboard();
    const box = $('reply-keyboard');
    box.replaceChildren();
    box.hidden = !kb;
    if (!kb) return;
    for (const row of kb) {
      const r = el('div', 'kb-row');
      for (const label of row) {
        const b = el('button', 'reply-btn', label);
        b.type = 'button';
        b.dir = 'auto';
        b.addEventListener('click', async () => {
          try {
            upsert(await api('POST', '/api/reply-button', { user: state.me.id, text: label }));
          } catch (err) { showError(err); }
        });
        r.append(b);
      }
      box.append(r);
    }
  }

  function updateForceReply() {
    let newest = null;
    for (const m of state.messages.values()) if (!newest || m.id > newest.id) newest = m;
    if (newest && newest.from_bot && newest.force_reply) setReplyTo(newest);
    else if (state.replyTo && (!state.messages.has(state.replyTo.id))) setReplyTo(null);
  }

  function setReplyTo(m) {
    state.replyTo = m;
    $('replying').hidden = !m;
    $('replying-text').textContent = m ? (m.plain || '').slice(0, 80) : '';
  }

  // ---------- sending ----------

  async function sendText(text) {
    text = text.trim();
    if (!text) return;
    const body = { user: state.me.id, text };
    if (state.replyTo) body.reply_to = state.replyTo.id;
    try {
      upsert(await api('POST', '/api/send', body));
      setReplyTo(null);
    } catch (err) { showError(err); }
  }

  function setupComposer() {
    const input = $('composer-input');
    const grow = () => {
      input.style.height = 'auto';
      input.style.height = Math.min(input.scrollHeight, 160) + 'px';
    };
    input.addEventListener('input', grow);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        $('composer').requestSubmit();
      }
    });
    $('composer').addEventListener('submit', (e) => {
      e.preventDefault();
      const text = input.value;
      if (!text.trim()) return;
      input.value = '';
      grow();
      // A pasted invitation link to this bot opens it, like tapping it in Telegram.
      const payload = /^\S+$/.test(text.trim()) ? deepLinkPayload(/^https?:/i.test(text.trim()) ? text.trim() : 'https://' + text.trim()) : null;
      if (payload !== null) {
        toast('پیوند ربات باز شد: /start ' + payload);
        sendText(payload ? '/start ' + payload : '/start');
      } else {
        sendText(text);
      }
      input.focus();
    });
    $('start-button').addEventListener('click', () => sendText('/start'));
    $('replying-cancel').addEventListener('click', () => setReplyTo(null));

    toggleMenu('commands-button', 'commands-menu', renderCommandsMenu);
    toggleMenu('attach-button', 'attach-menu');
    let uploadKind = 'document';
    for (const b of document.querySelectorAll('[data-upload]')) {
      b.addEventListener('click', () => {
        uploadKind = b.dataset.upload;
        const fi = $('file-input');
        fi.accept = { photo: 'image/*', audio: 'audio/*', voice: 'audio/*', video: 'video/*' }[uploadKind] || '';
        fi.value = '';
        fi.click();
        closeMenus();
      });
    }
    $('file-input').addEventListener('change', async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      const caption = $('composer-input').value.trim();
      const form = new FormData();
      form.append('user', state.me.id);
      form.append('kind', uploadKind);
      form.append('caption', caption);
      form.append('file', file);
      try {
        upsert(await api('POST', '/api/upload', form));
        $('composer-input').value = '';
      } catch (err) { showError(err); }
    });
    $('location-item').addEventListener('click', async () => {
      closeMenus();
      const v = await dialog('فرستادن موقعیت مکانی', [
        { label: 'عرض جغرافیایی', value: '35.6997', type: 'number', step: 'any', dir: 'ltr' },
        { label: 'طول جغرافیایی', value: '51.3380', type: 'number', step: 'any', dir: 'ltr' },
      ]);
      if (!v) return;
      try {
        upsert(await api('POST', '/api/location', { user: state.me.id, lat: Number(v[0]), lon: Number(v[1]) }));
      } catch (err) { showError(err); }
    });
    $('contact-item').addEventListener('click', async () => {
      closeMenus();
      const v = await dialog('فرستادن شمارهٔ تماس شما به ربات', [
        { label: 'شماره', value: '+98912' + String(state.me.id).padStart(7, '0').slice(-7), type: 'tel', dir: 'ltr' },
      ]);
      if (!v) return;
      try {
        upsert(await api('POST', '/api/contact', { user: state.me.id, phone: v[0] }));
      } catch (err) { showError(err); }
    });
  }

  async function loadCommands() {
    try { state.commands = await api('GET', '/api/commands?user=' + state.me.id); } catch (_) { state.commands = []; }
  }

  function renderCommandsMenu() {
    const menu = $('commands-menu');
    menu.replaceChildren();
    if (!state.commands.length) {
      menu.append(el('div', 'menu-empty muted', 'ربات هنوز فرمانی معرفی نکرده است.'));
      return;
    }
    for (const c of state.commands) {
      const b = el('button');
      b.type = 'button';
      b.setAttribute('role', 'menuitem');
      const cmd = el('span', 'cmd-name', '/' + c.command);
      cmd.dir = 'ltr';
      const desc = el('span', 'cmd-desc', c.description);
      desc.dir = 'auto';
      b.append(desc, cmd);
      b.addEventListener('click', () => { closeMenus(); sendText('/' + c.command); });
      menu.append(b);
    }
  }

  // ---------- menus ----------

  function closeMenus() {
    for (const m of document.querySelectorAll('.menu')) m.hidden = true;
    for (const b of document.querySelectorAll('[aria-expanded="true"][aria-haspopup]')) b.setAttribute('aria-expanded', 'false');
  }

  function toggleMenu(buttonId, menuId, before) {
    const button = $(buttonId);
    button.addEventListener('click', async (e) => {
      e.stopPropagation();
      const menu = $(menuId);
      const open = menu.hidden;
      closeMenus();
      if (!open) return;
      if (before) await before();
      menu.hidden = false;
      button.setAttribute('aria-expanded', 'true');
    });
  }

  document.addEventListener('click', (e) => {
    if (!e.target.closest('.menu')) closeMenus();
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape') closeMenus(); });

  // ---------- people ----------

  const ROLE = { learner: 'یادگیرنده', consultant: 'مشاور', admin: 'مدیر' };

  function initial(u) { return (u.first_name || '?').trim().slice(0, 1); }

  function renderPeople() {
    const menu = $('user-menu');
    const people = $('people');
    menu.replaceChildren();
    people.replaceChildren();
    for (const u of state.users) {
      const current = u.id === state.me.id;
      const item = el('a', 'person' + (current ? ' current' : ''));
      item.href = '?user=' + u.id;
      item.setAttribute('role', 'menuitem');
      item.dataset.user = u.id;
      item.append(personBody(u));
      const tab = el('a', 'new-tab', '↗');
      tab.href = '?user=' + u.id;
      tab.target = '_blank';
      tab.title = 'باز کردن در زبانهٔ تازه';
      tab.addEventListener('click', (e) => e.stopPropagation());
      const wrap = el('div', 'menu-row');
      wrap.append(item, tab);
      menu.append(wrap);

      const li = el('li', current ? 'current' : '');
      const link = el('a', 'person');
      link.href = '?user=' + u.id;
      link.append(personBody(u));
      const tab2 = tab.cloneNode(true);
      li.append(link, tab2);
      people.append(li);
    }
  }

  function personBody(u) {
    const frag = document.createDocumentFragment();
    frag.append(el('span', 'avatar small role-' + u.role, initial(u)));
    const text = el('span', 'person-text');
    const name = el('span', 'person-name', (u.first_name + ' ' + (u.last_name || '')).trim());
    name.dir = 'auto';
    const sub = el('span', 'person-sub', (ROLE[u.role] || u.role) + ' · ');
    const id = el('span', null, String(u.id));
    id.dir = 'ltr';
    sub.append(id);
    text.append(name, sub);
    frag.append(text);
    return frag;
  }

  function renderMe() {
    const u = state.me;
    $('me-avatar').textContent = initial(u);
    $('me-avatar').className = 'avatar small role-' + u.role;
    $('me-name').textContent = u.first_name;
    $('me-name').dir = 'auto';
    $('empty-name').textContent = (u.first_name + ' ' + (u.last_name || '')).trim();
    document.title = u.first_name + ' · توان · محیط آزمایشی' + (state.platform === 'bale' ? ' · بله' : '');
  }

  function setupPeople() {
    toggleMenu('me-button', 'user-menu');
    $('add-user-form').addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      const body = {
        id: Number(f.get('id')),
        first_name: f.get('first_name'),
        last_name: f.get('last_name'),
        username: f.get('username'),
        language_code: f.get('language_code'),
        role: f.get('role'),
      };
      const errBox = $('add-user-error');
      try {
        const u = await api('POST', '/api/users', body);
        errBox.hidden = true;
        e.target.reset();
        toast('«' + u.first_name + '» اضافه شد.');
      } catch (err) {
        errBox.textContent = err.message;
        errBox.hidden = false;
      }
    });
  }

  // ---------- clock ----------

  function applyClock(c) {
    state.zone = c.zone || state.zone;
    makeFormats();
    state.clockOffsetMs = new Date(c.now).getTime() - Date.now();
    state.aheadSeconds = c.offset_seconds;
    renderClock();
  }

  function sandboxNow() { return new Date(Date.now() + state.clockOffsetMs); }

  function renderClock() {
    const now = sandboxNow();
    $('clock-text').textContent = timeFmt.format(now);
    $('clock-big').textContent = fullDate(now);
    $('clock-small').textContent = gregFmt.format(now);
    const ahead = $('clock-ahead');
    ahead.hidden = state.aheadSeconds < 60;
    ahead.textContent = humanAhead(state.aheadSeconds) + ' جلوتر';
    $('clock-chip').classList.toggle('travelled', state.aheadSeconds >= 60);
    $('clock-chip').title = 'زمان ربات: ' + fullDate(now) + (state.aheadSeconds >= 60 ? ' (' + humanAhead(state.aheadSeconds) + ' جلوتر از اکنون)' : '');
  }

  function localInputValue(d) {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: state.zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
    const get = (t) => parts.find((p) => p.type === t).value;
    return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
  }

  async function travel(body) {
    try {
      const res = await api('POST', '/api/time', body);
      applyClock(res);
      toast('ساعت ربات اکنون: ' + fullDate(new Date(res.to)));
    } catch (err) { showError(err); }
  }

  function setupClock() {
    for (const b of document.querySelectorAll('[data-advance]')) {
      b.addEventListener('click', () => travel({ advance: b.dataset.advance }));
    }
    $('travel-form').addEventListener('submit', (e) => {
      e.preventDefault();
      travel({ to_local: $('travel-to').value });
    });
    $('clock-chip').addEventListener('click', () => openTools(true));
    setInterval(renderClock, 15000);
  }

  // ---------- tools panel ----------

  function openTools(open) {
    document.body.classList.toggle('tools-open', open);
    $('tools-button').setAttribute('aria-expanded', String(open));
    if (open) {
      const input = $('travel-to');
      const next = new Date(sandboxNow().getTime() + 86400000);
      input.value = localInputValue(next);
    }
  }

  function setupTools() {
    $('tools-button').addEventListener('click', () => openTools(!document.body.classList.contains('tools-open')));
    $('tools-close').addEventListener('click', () => openTools(false));
    if (window.matchMedia('(min-width: 1100px)').matches) openTools(true);
  }

  // ---------- live updates ----------

  function setStatus(text, cls) {
    const s = $('status');
    s.textContent = text;
    s.className = 'peer-status' + (cls ? ' ' + cls : '');
  }

  const ACTIONS = {
    typing: 'در حال نوشتن…', upload_photo: 'در حال فرستادن عکس…', upload_document: 'در حال فرستادن فایل…',
    upload_video: 'در حال فرستادن ویدیو…', record_voice: 'در حال ضبط صدا…', upload_voice: 'در حال فرستادن صدا…',
    find_location: 'در حال یافتن مکان…', choose_sticker: 'در حال انتخاب استیکر…',
  };

  function idleStatus() {
    if (state.connected) setStatus('ربات · محیط آزمایشی'); else setStatus('اتصال قطع است؛ تلاش دوباره…', 'offline');
  }

  async function loadHistory() {
    const msgs = await api('GET', '/api/chats/' + state.me.id + '/messages?user=' + state.me.id);
    const seen = new Set();
    let newest = 0;
    for (const m of msgs) { seen.add(m.id); newest = Math.max(newest, m.id); upsert(m); }
    // A message newer than the snapshot arrived live while it was loading: keep it.
    for (const id of Array.from(state.messages.keys())) if (!seen.has(id) && id <= newest) remove(id);
    afterChange(true);
  }

  function connect() {
    const es = new EventSource('/api/events?user=' + state.me.id);
    es.addEventListener('hello', async (e) => {
      state.connected = true;
      document.body.dataset.live = 'yes';
      idleStatus();
      applyClock(JSON.parse(e.data));
      try { await loadHistory(); } catch (err) { showError(err); }
      loadCommands();
    });
    const onMessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.from_bot) { clearTimeout(state.typingTimer); idleStatus(); }
      upsert(m);
      if (m.from_bot && m.edit_count === 0 && state.commands.length === 0) loadCommands();
    };
    es.addEventListener('message', onMessage);
    es.addEventListener('edit', onMessage);
    es.addEventListener('delete', (e) => remove(JSON.parse(e.data).id));
    es.addEventListener('callback_answer', (e) => onCallbackAnswer(JSON.parse(e.data)));
    es.addEventListener('chat_action', (e) => {
      const a = JSON.parse(e.data);
      setStatus(ACTIONS[a.action] || 'در حال کار…', 'typing');
      clearTimeout(state.typingTimer);
      state.typingTimer = setTimeout(idleStatus, 5000);
    });
    es.addEventListener('clock', (e) => applyClock(JSON.parse(e.data)));
    es.addEventListener('users', (e) => { state.users = JSON.parse(e.data); renderPeople(); });
    es.onerror = () => {
      state.connected = false;
      document.body.dataset.live = 'no';
      idleStatus();
    };
  }

  // showBale says on the page that the emulator is Bale's: the bot's texts arrive as Bale Markdown and
  // are drawn as Bale shows them.
  function showBale() {
    document.body.classList.add('platform-bale');
    const badge = document.createElement('span');
    badge.className = 'platform-badge';
    badge.id = 'platform-badge';
    badge.textContent = 'بله';
    badge.title = 'این محیط آزمایشی پیام‌رسان بله را شبیه‌سازی می‌کند: پیام‌ها همان‌طور نمایش داده می‌شوند که در بله.';
    $('bot-name').append(' ', badge);
  }

  // ---------- start ----------

  async function start() {
    setupComposer();
    setupPeople();
    setupClock();
    setupTools();
    let info;
    try {
      info = await api('GET', '/api/info');
    } catch (err) {
      setStatus('محیط آزمایشی در دسترس نیست', 'offline');
      showError(err);
      return;
    }
    state.bot = info.bot;
    state.platform = info.platform || 'telegram';
    if (state.platform === 'bale') showBale();
    state.users = info.users;
    applyClock(info.clock);
    const params = new URLSearchParams(location.search);
    const wanted = Number(params.get('user'));
    state.me = state.users.find((u) => u.id === wanted) || state.users[0];
    if (!state.me) {
      setStatus('هیچ کاربری تعریف نشده است', 'offline');
      return;
    }
    if (wanted && wanted !== state.me.id) toast('کاربر ' + wanted + ' پیدا نشد؛ شما ' + state.me.first_name + ' هستید.');
    if (String(wanted) !== String(state.me.id)) {
      params.set('user', state.me.id);
      history.replaceState(null, '', '?' + params.toString());
    }
    renderMe();
    renderPeople();
    connect();
    $('composer-input').focus();
  }

  start();
})();

// The sandbox page: plays Telegram (customer and technician chats) and Twilio (the phone) against
// the app's real webhooks. Updates are Bot API JSON posted to /telegram/webhook with the secret
// header; calls are signed form posts to /ivr/… and TwiML answers read verb by verb. What the
// product sends back arrives through /sandbox/feed (its transports call the sandbox's Bot API
// and Twilio REST endpoints).
"use strict";

const WORDS = JSON.parse(document.getElementById("words").textContent);
const state = {
  config: null,
  feedAfter: 0,
  lastUpdateId: 0,
  localMessageId: 1,
  technicians: [],
  call: null, // {sid, direction, gather, record, statusCallback, sequence, from, to}
  pendingCall: null,
  replaying: false,
  replayKeyboards: new Map(),
};

function remember(key, make) {
  let value = localStorage.getItem(key);
  if (!value) {
    value = make();
    localStorage.setItem(key, value);
  }
  return value;
}

const customer = {
  chatId: Number(remember("sandbox.chat", () => String(7000000 + Math.floor(Math.random() * 999999)))),
  phone: remember("sandbox.phone", () => "+8210" + String(20000000 + Math.floor(Math.random() * 79999999))),
  firstName: WORDS.customer_name,
};

function nationalPhone(e164) {
  const digits = e164.replace("+82", "0");
  return digits.slice(0, 3) + "-" + digits.slice(3, 7) + "-" + digits.slice(7);
}

function nextUpdateId() {
  state.lastUpdateId = Math.max(state.lastUpdateId + 1, Date.now());
  return state.lastUpdateId;
}

function toast(text) {
  const box = document.querySelector(".toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

// --- Telegram -------------------------------------------------------------------------------

function userOf(pane) {
  if (pane.id === "customer") {
    return { id: customer.chatId, is_bot: false, first_name: customer.firstName, language_code: document.body.dataset.language };
  }
  const technician = selectedTechnician();
  return { id: technician.chat_id, is_bot: false, first_name: technician.name, language_code: document.body.dataset.language };
}

function selectedTechnician() {
  const id = Number(document.getElementById("technician-select").value);
  return state.technicians.find((t) => t.id === id) || state.technicians[0];
}

function chatOf(pane) {
  const user = userOf(pane);
  return { id: user.id, type: "private", first_name: user.first_name };
}

async function postUpdate(update) {
  const response = await fetch("/telegram/webhook", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": state.config.webhook_secret },
    body: JSON.stringify(update),
  });
  if (!response.ok) toast(WORDS.not_delivered);
  pollSoon();
}

function sendMessage(pane, content, shown) {
  const message = {
    message_id: state.localMessageId++,
    date: Math.floor(Date.now() / 1000),
    chat: chatOf(pane),
    from: userOf(pane),
    ...content,
  };
  addBubble(pane, { mine: true, text: shown, chatId: message.chat.id });
  return postUpdate({ update_id: nextUpdateId(), message });
}

function pressButton(pane, bubble, button) {
  const query = {
    id: "sbx" + nextUpdateId(),
    from: userOf(pane),
    chat_instance: "sandbox",
    data: button.callback_data,
    message: {
      message_id: Number(bubble.dataset.messageId),
      date: Math.floor(Date.now() / 1000),
      chat: chatOf(pane),
      from: { id: state.config.bot.id, is_bot: true, first_name: "AfterSales", username: state.config.bot.username },
      text: bubble.querySelector(".text").textContent,
    },
  };
  return postUpdate({ update_id: nextUpdateId(), callback_query: query });
}

function paneOfChat(chatId) {
  if (chatId === customer.chatId) return document.getElementById("customer");
  if (state.technicians.some((t) => t.chat_id === chatId)) return document.getElementById("technician");
  return null;
}

function addBubble(pane, { mine, text, chatId, messageId, markup, photo, document: doc }) {
  const item = document.createElement("li");
  item.className = mine ? "mine" : "bot";
  item.dataset.chatId = String(chatId);
  if (messageId) item.dataset.messageId = String(messageId);
  if (pane.id === "technician") {
    const technician = state.technicians.find((t) => t.chat_id === chatId);
    if (technician) {
      const who = document.createElement("span");
      who.className = "to";
      who.textContent = technician.name;
      item.append(who);
    }
  }
  if (photo) item.append(Object.assign(document.createElement("span"), { className: "attachment", textContent: "🖼 " + WORDS.photo }));
  if (doc) item.append(Object.assign(document.createElement("span"), { className: "attachment", textContent: "📄 " + WORDS.document }));
  const body = document.createElement("p");
  body.className = "text";
  body.textContent = text || "";
  item.append(body);
  const buttons = document.createElement("div");
  buttons.className = "inline-buttons";
  item.append(buttons);
  pane.querySelector(".messages").append(item);
  setInlineButtons(pane, item, markup);
  item.scrollIntoView({ block: "end" });
  return item;
}

function setInlineButtons(pane, item, markup) {
  const box = item.querySelector(".inline-buttons");
  box.replaceChildren();
  for (const row of (markup && markup.inline_keyboard) || []) {
    const line = document.createElement("div");
    for (const button of row) {
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.text;
      if (button.url) {
        element.addEventListener("click", () => window.open(button.url, "_blank"));
      } else {
        element.addEventListener("click", () => pressButton(pane, item, button));
      }
      line.append(element);
    }
    box.append(line);
  }
}

function setReplyKeyboard(pane, markup) {
  const box = pane.querySelector(".reply-keyboard");
  if (!markup) return;
  if (markup.remove_keyboard) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  if (!markup.keyboard) return;
  box.replaceChildren();
  for (const row of markup.keyboard) {
    const line = document.createElement("div");
    for (const key of row) {
      const button = typeof key === "string" ? { text: key } : key;
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = button.text;
      element.addEventListener("click", () => {
        if (button.request_contact) shareContact(pane);
        else if (button.request_location) shareLocation(pane);
        else sendMessage(pane, { text: button.text }, button.text);
        if (markup.one_time_keyboard) box.hidden = true;
      });
      line.append(element);
    }
    box.append(line);
  }
  box.hidden = false;
}

function shareContact(pane) {
  const user = userOf(pane);
  const contact = { phone_number: customer.phone, first_name: user.first_name, user_id: user.id };
  return sendMessage(pane, { contact }, "📇 " + nationalPhone(customer.phone));
}

function shareLocation(pane) {
  const location = { latitude: 37.5663, longitude: 126.9779 }; // Seoul City Hall
  return sendMessage(pane, { location }, "📍 " + WORDS.location);
}

async function sendPhoto(pane, file) {
  const form = new FormData();
  form.append("photo", file);
  const response = await fetch("/sandbox/telegram/upload", { method: "POST", body: form });
  const answer = await response.json();
  if (!response.ok) {
    toast(answer.error.message);
    return;
  }
  const photo = [{ file_id: answer.file_id, file_unique_id: answer.file_unique_id, width: 1280, height: 960, file_size: answer.size }];
  await sendMessage(pane, { photo }, "🖼 " + file.name);
}

function onBotMessage(event) {
  const pane = paneOfChat(event.chat_id);
  if (!pane) return;
  if (pane.id === "technician") {
    document.getElementById("technician-select").value = String(
      state.technicians.find((t) => t.chat_id === event.chat_id).id,
    );
  }
  addBubble(pane, {
    mine: false,
    text: event.text || event.caption,
    chatId: event.chat_id,
    messageId: event.message_id,
    markup: event.markup,
    photo: event.photo,
    document: event.document,
  });
  if (state.replaying) {
    // After a reload only the chat's last message may still be waiting on its keyboard.
    state.replayKeyboards.set(pane, event.markup && event.markup.keyboard ? event.markup : null);
  } else {
    setReplyKeyboard(pane, event.markup);
  }
}

function onBotEdit(event) {
  const pane = paneOfChat(event.chat_id);
  if (!pane) return;
  const item = pane.querySelector(`li[data-message-id="${event.message_id}"][data-chat-id="${event.chat_id}"]`);
  if (!item) return;
  if (event.text !== undefined) item.querySelector(".text").textContent = event.text;
  setInlineButtons(pane, item, event.markup);
}

function wireChat(pane) {
  pane.querySelector(".compose").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = pane.querySelector(".compose input");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    sendMessage(pane, { text }, text);
  });
  for (const button of pane.querySelectorAll(".extras button")) {
    button.addEventListener("click", () => {
      if (button.dataset.action === "contact") shareContact(pane);
      else shareLocation(pane);
    });
  }
  const file = pane.querySelector("input[type=file]");
  if (file) {
    file.addEventListener("change", () => {
      if (file.files.length) sendPhoto(pane, file.files[0]);
      file.value = "";
    });
  }
}

// --- Twilio ---------------------------------------------------------------------------------

function absolute(url) {
  const base = state.config.public_base_url.replace(/\/$/, "");
  return url.startsWith("http") ? url : base + (url.startsWith("/") ? url : "/" + url);
}

function pathOf(url) {
  const parsed = new URL(absolute(url));
  return parsed.pathname + parsed.search;
}

async function signedPost(url, fields) {
  const params = {
    CallSid: state.call.sid,
    AccountSid: state.config.account_sid,
    From: state.call.from,
    To: state.call.to,
    Direction: state.call.direction,
    ...fields,
  };
  const full = absolute(url);
  const signing = await fetch("/sandbox/twilio/sign", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ url: full, params }),
  });
  const { signature } = await signing.json();
  return fetch(pathOf(full), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature },
    body: new URLSearchParams(params),
  });
}

function setCallState(text, inCall) {
  document.getElementById("call-state").textContent = text;
  document.getElementById("hangup").disabled = !inCall;
  document.getElementById("dial").disabled = inCall;
  document.getElementById("phone").classList.toggle("in-call", inCall);
}

function hear(text, language) {
  const line = document.createElement("li");
  line.textContent = text;
  const list = document.querySelector("#phone .spoken");
  list.append(line);
  line.scrollIntoView({ block: "end" });
  if (document.getElementById("voice").checked && "speechSynthesis" in window) {
    const utterance = new SpeechSynthesisUtterance(text);
    if (language) utterance.lang = language;
    window.speechSynthesis.speak(utterance);
  }
}

async function follow(response) {
  if (!response.ok) {
    hear(WORDS.call_failed);
    endCall("failed");
    return;
  }
  const xml = new DOMParser().parseFromString(await response.text(), "text/xml");
  state.call.gather = null;
  state.call.record = null;
  awaiting(null);
  for (const verb of xml.documentElement.children) {
    if (verb.tagName === "Say") hear(verb.textContent, verb.getAttribute("language"));
    else if (verb.tagName === "Play") hear("🔊 " + WORDS.audio);
    else if (verb.tagName === "Pause") continue;
    else if (verb.tagName === "Gather") {
      for (const inner of verb.children) if (inner.tagName === "Say") hear(inner.textContent, inner.getAttribute("language"));
      state.call.gather = { action: verb.getAttribute("action") || "", numDigits: Number(verb.getAttribute("numDigits") || 0), digits: "" };
      awaiting("input");
      return;
    } else if (verb.tagName === "Record") {
      state.call.record = { action: verb.getAttribute("action") || "" };
      hear("⏺ " + WORDS.recording);
      awaiting("recording");
      return;
    } else if (verb.tagName === "Redirect") {
      await follow(await signedPost(verb.textContent.trim(), {}));
      return;
    } else if (verb.tagName === "Dial") {
      hear("☎ " + WORDS.transferred);
      await endCall("completed");
      return;
    } else if (verb.tagName === "Hangup") {
      await endCall("completed");
      return;
    }
  }
  await endCall("completed");
}

// What the call waits for now ("input", "recording" or nothing): shown, and readable by tests.
function awaiting(what) {
  const phone = document.getElementById("phone");
  if (what) phone.dataset.awaiting = what;
  else delete phone.dataset.awaiting;
}

async function press(key) {
  if (!state.call || !state.call.gather) return;
  const gather = state.call.gather;
  if (key !== "#") gather.digits += key;
  document.getElementById("call-state").textContent = WORDS.in_call + " · " + gather.digits;
  if (key === "#" || (gather.numDigits && gather.digits.length >= gather.numDigits)) {
    state.call.gather = null;
    awaiting(null);
    await follow(await signedPost(gather.action, { Digits: gather.digits }));
  }
}

async function say(text) {
  if (!state.call) return;
  hear("🗣 " + text);
  if (state.call.gather) {
    const gather = state.call.gather;
    state.call.gather = null;
    await follow(await signedPost(gather.action, { SpeechResult: text, Confidence: "0.93" }));
  } else if (state.call.record) {
    const record = state.call.record;
    state.call.record = null;
    await follow(await signedPost(record.action, {
      RecordingUrl: absolute("/sandbox/recording.wav"),
      RecordingSid: "RE" + String(nextUpdateId()).padStart(32, "0"),
      RecordingDuration: String(Math.max(1, Math.round(text.length / 5))),
      TranscriptionText: text,
    }));
  }
}

function newSid() {
  return "CA" + Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function dial() {
  state.call = { sid: newSid(), direction: "inbound", from: customer.phone, to: state.config.desk_number, sequence: 0, statusCallback: "/ivr/status", started: Date.now() };
  document.querySelector("#phone .spoken").replaceChildren();
  setCallState(WORDS.in_call, true);
  await follow(await signedPost("/ivr/voice", { CallStatus: "ringing" }));
}

async function answer() {
  const ring = state.pendingCall;
  state.pendingCall = null;
  document.getElementById("ringing").hidden = true;
  if (!ring) return;
  state.call = { sid: ring.sid, direction: "outbound-api", from: ring.from_, to: ring.to, sequence: 0, statusCallback: ring.status_callback, started: Date.now() };
  document.querySelector("#phone .spoken").replaceChildren();
  setCallState(WORDS.in_call, true);
  await follow(await signedPost(ring.url, { CallStatus: "in-progress", AnsweredBy: "human" }));
}

async function decline() {
  const ring = state.pendingCall;
  state.pendingCall = null;
  document.getElementById("ringing").hidden = true;
  if (!ring) return;
  state.call = { sid: ring.sid, direction: "outbound-api", from: ring.from_, to: ring.to, sequence: 0, statusCallback: ring.status_callback, started: Date.now() };
  await endCall("no-answer");
}

async function endCall(status) {
  const call = state.call;
  if (!call) return;
  state.call = null;
  awaiting(null);
  setCallState(WORDS.idle, false);
  if (call.statusCallback) {
    state.call = call;
    call.sequence += 1;
    const seconds = String(Math.round((Date.now() - call.started) / 1000));
    await signedPost(call.statusCallback, { CallStatus: status, SequenceNumber: String(call.sequence), CallDuration: seconds });
    state.call = null;
  }
  pollSoon();
}

function onCall(event) {
  if (event.to !== customer.phone) {
    // A call to another (demo) customer: this phone is only the sandbox customer's.
    logOther("📞 " + nationalPhone(event.to));
    return;
  }
  state.pendingCall = event;
  document.getElementById("ringing").hidden = false;
  setCallState(WORDS.ringing + " · " + nationalPhone(event.to), false);
}

function logOther(text) {
  const line = document.createElement("li");
  line.className = "other";
  line.textContent = `${WORDS.other_customer}: ${text}`;
  document.querySelector("#phone .sms").append(line);
}

function onSms(event) {
  if (event.to !== customer.phone) {
    logOther("✉ " + nationalPhone(event.to));
    return;
  }
  const line = document.createElement("li");
  line.textContent = event.body;
  document.querySelector("#phone .sms").append(line);
}

// --- the feed, the clock and the tour -------------------------------------------------------

let pollTimer = null;
function pollSoon() {
  clearTimeout(pollTimer);
  pollTimer = setTimeout(poll, 150);
}

async function poll() {
  clearTimeout(pollTimer);
  try {
    const response = await fetch(`/sandbox/feed?after=${state.feedAfter}`);
    const feed = await response.json();
    state.replaying = state.feedAfter === 0;
    state.replayKeyboards = new Map();
    for (const event of feed.events) {
      state.feedAfter = Math.max(state.feedAfter, event.id);
      if (event.kind === "telegram.message") onBotMessage(event);
      else if (event.kind === "telegram.edit") onBotEdit(event);
      else if (event.kind === "telegram.notice") toast(event.text);
      else if (event.kind === "twilio.call") onCall(event);
      else if (event.kind === "twilio.sms") onSms(event);
    }
    for (const [pane, markup] of state.replayKeyboards) if (markup) setReplyKeyboard(pane, markup);
    state.replaying = false;
    showNow(feed.now);
    await updateTour();
  } finally {
    pollTimer = setTimeout(poll, 1000);
  }
}

function showNow(iso) {
  const moment = new Date(iso);
  document.getElementById("now").textContent = moment.toLocaleString(document.body.dataset.language, {
    timeZone: "Asia/Seoul", weekday: "short", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

const DONE_STATUSES = ["resolved", "closed"];

async function updateTour() {
  const response = await fetch(`/sandbox/progress?chat=${customer.chatId}`);
  const { progress } = await response.json();
  const caseInfo = progress && progress.case;
  const status = caseInfo ? caseInfo.status : null;
  mark("report", Boolean(caseInfo));
  mark("dispatch", Boolean(progress && progress.technician));
  mark("work", DONE_STATUSES.includes(status));
  mark("signoff", status === "closed");
  mark("call", Boolean(progress && progress.survey));
  const line = document.getElementById("case-line");
  line.textContent = caseInfo ? `${caseInfo.number} · ${WORDS.statuses[status] || status}` + (progress.technician ? ` · ${progress.technician.name}` : "") : "";
  const link = document.getElementById("performance-link");
  if (progress && progress.technician) {
    link.href = `/technicians/${progress.technician.id}`;
    link.hidden = false;
  }
  mark("report-card", Boolean(progress && progress.survey));
}

function mark(step, done) {
  const item = document.querySelector(`#tour li[data-step="${step}"]`);
  if (item) item.classList.toggle("done", done);
}

async function advance() {
  const button = document.getElementById("advance");
  button.disabled = true;
  try {
    const response = await fetch("/sandbox/clock", { method: "POST" });
    const answer = await response.json();
    if (response.ok) showNow(answer.now);
    else toast(answer.error.message);
  } finally {
    button.disabled = false;
    pollSoon();
  }
}

async function start() {
  state.config = await (await fetch("/sandbox/config")).json();
  const linked = await (await fetch("/sandbox/technicians/link", { method: "POST" })).json();
  state.technicians = linked.technicians;
  const select = document.getElementById("technician-select");
  for (const technician of state.technicians) {
    select.append(new Option(technician.name, String(technician.id)));
  }
  document.getElementById("customer-phone").textContent = nationalPhone(customer.phone);
  wireChat(document.getElementById("customer"));
  wireChat(document.getElementById("technician"));
  for (const key of document.querySelectorAll(".keypad button")) {
    key.addEventListener("click", () => press(key.dataset.key));
  }
  document.querySelector("#phone .speech").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = document.getElementById("speech-text");
    const text = input.value.trim();
    input.value = "";
    if (text) say(text);
  });
  document.getElementById("dial").addEventListener("click", dial);
  document.getElementById("hangup").addEventListener("click", () => endCall("completed"));
  document.getElementById("answer").addEventListener("click", answer);
  document.getElementById("decline").addEventListener("click", decline);
  document.getElementById("advance").addEventListener("click", advance);
  document.getElementById("tour-toggle").addEventListener("click", (e) => {
    const tour = document.getElementById("tour");
    tour.hidden = !tour.hidden;
    e.target.setAttribute("aria-expanded", String(!tour.hidden));
  });
  if (localStorage.getItem("sandbox.toured")) {
    document.getElementById("tour").hidden = true;
    document.getElementById("tour-toggle").setAttribute("aria-expanded", "false");
  }
  localStorage.setItem("sandbox.toured", "1");
  document.body.classList.add("ready");
  poll();
}

start();

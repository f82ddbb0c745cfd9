// End-to-end: the example app in a real Chromium against the service in sandbox mode. Starts the
// service (the binary cargo built) and the built example (`next build` first), then drives every
// step a customer takes: the public pricing page, sign-in, checkout (and a replay that charges
// nothing more), my subscription with its card and billing history, cancel, resume, card
// update, the customer's events; then a bad token (401) and another customer's subscription
// (404). Run: `npm run build && npm run e2e` (see the README's "Build your app on it").
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(import.meta.dirname, "../../..");
const serviceBin = process.env.SERVICE_BIN ?? path.join(root, "target/debug/portone-subscriptions");
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const children = [];
let browser;
let api;
let web;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function start(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  child.log = () => log;
  children.push(child);
  return child;
}

/** Polls `url` until it answers (the process is up), failing after `seconds`. */
async function ready(url, child, seconds = 60) {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited\n${child.log()}`);
    try {
      const answer = await fetch(url);
      if (answer.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer in ${seconds} s\n${child.log()}`);
}

before(async () => {
  const [apiPort, webPort] = [await freePort(), await freePort()];
  api = `http://127.0.0.1:${apiPort}`;
  web = `http://127.0.0.1:${webPort}`;
  const service = start(serviceBin, ["--sandbox"], {
    HOST: "127.0.0.1",
    PORT: String(apiPort),
    RUST_LOG: "warn",
    CORS_ALLOWED_ORIGINS: web,
  });
  await ready(`${api}/healthz`, service);
  const next = start(path.join(import.meta.dirname, "../node_modules/.bin/next"), ["start", "-p", String(webPort), "-H", "127.0.0.1"], {
    BILLING_API_URL: api,
    BILLING_MODE: "sandbox",
  });
  await ready(web, next);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  for (const child of children) child.kill();
});

async function signIn(page, user) {
  await page.goto(`${web}/signin`);
  await page.fill("input[name=who]", user);
  await page.click("button[type=submit]");
  await page.waitForURL(`${web}/account`);
}

async function ledgerRows() {
  return (await (await fetch(`${api}/sandbox/ledger`)).json()).length;
}

test("a customer subscribes, manages their subscription and reads their events", async () => {
  const page = await browser.newPage();

  // The pricing page is public: no sign-in, the active plans.
  await page.goto(web);
  await page.locator("[data-plan=basic_monthly]").waitFor();
  assert.equal(await page.locator("[data-plan]").count(), 3);

  await signIn(page, "user-1");
  await page.getByTestId("no-subscription").waitFor();

  // Checkout, then the same request again: the same answer, replayed, and one charge only.
  await page.goto(`${web}/checkout?plan=basic_monthly`);
  await page.getByRole("button", { name: "카드 등록하고 구독 시작" }).click();
  const outcome = page.getByTestId("checkout-outcome");
  await outcome.and(page.locator("[data-status='201']")).waitFor();
  assert.equal(await outcome.getAttribute("data-code"), "SUBSCRIPTION_STARTED");
  assert.equal(await outcome.getAttribute("data-replayed"), "false");
  await page.getByRole("button", { name: "다시 보내기 (같은 요청)" }).click();
  await page.locator("[data-testid=checkout-outcome][data-replayed=true]").waitFor();
  assert.equal(await outcome.getAttribute("data-status"), "201");
  assert.equal(await ledgerRows(), 1, "the replay charged nothing");

  // My subscription: status, next charge, card, billing history, events.
  await page.goto(`${web}/account`);
  await page.getByTestId("status").waitFor();
  assert.equal(await page.getByTestId("status").textContent(), "active");
  assert.match(await page.getByTestId("next-charge").textContent(), /9,900원/);
  assert.doesNotMatch(await page.getByTestId("card").textContent(), /확인할 수 없음/);
  assert.equal(await page.locator("[data-testid=payments] tr").count(), 1);
  await page.locator("[data-type='subscription.created']").waitFor();
  const subscriptionId = await page.getByTestId("subscription-id").textContent();

  // Two seats: charged now for the rest of the period, a second line in the billing history.
  await page.getByLabel("좌석 수").fill("2");
  await page.getByRole("button", { name: "좌석 변경" }).click();
  await page.locator("[data-testid=notice]", { hasText: "PLAN_CHANGED_NOW" }).waitFor();
  await page.locator("[data-testid=seats]", { hasText: "2" }).waitFor();
  assert.equal(await page.locator("[data-testid=payments] tr[data-kind=proration]").count(), 1);
  assert.match(await page.getByTestId("next-charge").textContent(), /19,800원/);
  assert.equal(await ledgerRows(), 1, "a proration is never a month");

  // Cancel at period end, then resume.
  await page.getByRole("button", { name: "해지 예약" }).click();
  await page.locator("[data-testid=status]", { hasText: "canceling" }).waitFor();
  assert.match(await page.getByTestId("notice").textContent(), /SUBSCRIPTION_CANCELED/);
  await page.getByRole("button", { name: "해지 취소 (재개)" }).click();
  await page.locator("[data-testid=status]", { hasText: "active" }).waitFor();
  assert.match(await page.getByTestId("notice").textContent(), /SUBSCRIPTION_RESUMED/);

  // A new card: stored, and the event says so.
  await page.getByRole("button", { name: "카드 변경" }).click();
  await page.locator("[data-testid=notice]", { hasText: "CARD_UPDATED" }).waitFor();
  await page.locator("[data-type='subscription.payment_method_updated']").waitFor();
  for (const type of ["subscription.canceled", "subscription.resumed"]) {
    assert.equal(await page.locator(`[data-type='${type}']`).count(), 1, type);
  }

  // A bad token: 401, shown as such.
  await page.evaluate(() =>
    sessionStorage.setItem("billing-example.session", JSON.stringify({ access_token: "not-a-token", user_id: "user-1" })),
  );
  await page.goto(`${web}/account`);
  await page.locator("[data-testid=problem][data-status='401']").waitFor();
  assert.equal(await page.getByTestId("problem").getAttribute("data-code"), "UNAUTHORIZED");

  // Another customer asking for user-1's subscription: 404, its existence not revealed.
  await signIn(page, "user-2");
  await page.goto(`${web}/account?id=${encodeURIComponent(subscriptionId)}`);
  await page.locator("[data-testid=problem][data-status='404']").waitFor();
  assert.equal(await page.getByTestId("problem").getAttribute("data-code"), "NOT_FOUND");
  assert.equal(await ledgerRows(), 1, "nothing else was charged");
});

test("a promotion code discounts the first charge and the renewals it says", async () => {
  const page = await browser.newPage();
  await signIn(page, "user-3");
  await page.goto(`${web}/checkout?plan=basic_monthly`);
  await page.getByLabel("할인 코드").fill("spring50");
  await page.getByRole("button", { name: "카드 등록하고 구독 시작" }).click();
  const outcome = page.getByTestId("checkout-outcome");
  await outcome.and(page.locator("[data-status='201']")).waitFor();
  assert.match(await page.getByTestId("charged").textContent(), /4,950원/);

  await page.goto(`${web}/account`);
  await page.getByTestId("status").waitFor();
  assert.match(await page.getByTestId("next-charge").textContent(), /4,950원/);
  assert.match(await page.getByTestId("discount").textContent(), /LAUNCH50.*9,900원.*2회 남음/);
  assert.match(await page.locator("[data-testid=payments] tr").first().textContent(), /LAUNCH50 할인 4,950원/);

  // An unknown code is refused before anything is charged.
  await signIn(page, "user-4");
  await page.goto(`${web}/checkout?plan=basic_monthly`);
  await page.getByLabel("할인 코드").fill("NOPE");
  await page.getByRole("button", { name: "카드 등록하고 구독 시작" }).click();
  await page.locator("[data-testid=checkout-outcome][data-status='404']").waitFor();
  assert.equal(await outcome.getAttribute("data-code"), "PROMOTION_CODE_NOT_FOUND");
});

// What the page tests share: waiting for the page to be ready, for a step to be shown, and the page's
// own JSON export through the button a person clicks. Every wait is for a condition, with a deadline.
import { readFile } from 'node:fs/promises';

export const ready = (page) => page.waitForSelector('body[data-ready="true"]');

export const stepCount = async (page) => Number(await page.textContent('#step-count'));

// The engine idle (not playing, no fast-forward) with `step` shown.
export const idleAt = (page, step, timeout = 60000) => page.waitForFunction(
  (s) => Number(document.getElementById('step-count').textContent) === s && document.body.dataset.mode === 'idle',
  step, { timeout });

export const idle = (page, timeout = 60000) => page.waitForFunction(() => document.body.dataset.mode === 'idle', null, { timeout });

export const playing = (page) => page.waitForFunction(() => document.body.dataset.mode === 'playing');

export async function exported(page) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  return JSON.parse(await readFile(await download.path(), 'utf8'));
}

// The step in the address.
export const addressStep = async (page) => Number((await page.evaluate(() => window.location.hash)).match(/[#&]step=(\d+)/)?.[1]);

// Loaded by e2e/harness.html (dev server only): the real engine worker, driven by Playwright.
import { startEngine } from '../src/engine/client';

(window as unknown as { harness: unknown }).harness = { startEngine };

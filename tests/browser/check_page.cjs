// One report page in headless Chromium (Debian's /usr/bin/chromium, driven by puppeteer-core):
// the verdict banner is visible in the first viewport (also with JavaScript off), the
// screenshot is not blank, the page prints to PDF on A4 and Letter, and it asks for nothing
// but itself and data: URLs. Prints one "ok - ..."/"not ok - ..." line per check; the PDFs
// are checked by expected.py (pdfinfo, pdftotext).
//
//   [PRINT_WORDS=FILE] node check_page.cjs NAME PAGE.html OUT-DIR EXPECTED.json [PLANTED-URL]
//     (PRINT_WORDS: where to write the words the page shows in print media, one a line)
//     (PLANTED-URL: the listener's URL planted in the org; the page must show it as text and
//     in no attribute: no img, link, iframe, a or style of the page points at it)
//   node check_page.cjs --control LISTENER-URL   # the interception sees a request the listener gets
const fs = require("node:fs");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const puppeteer = require("puppeteer-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const VIEWPORT = { width: 1280, height: 800 };
// A 2,500-app page prints to hundreds of pages on a shared 2-core machine: no 30 s default.
const TIMEOUT = 10 * 60 * 1000;
// A browser's own print margins (about 1 cm); the page sets no paper size (preferCSSPageSize off).
const MARGIN = { top: "10mm", right: "10mm", bottom: "10mm", left: "10mm" };
const PAPERS = [
  { format: "A4", file: "a4" },
  { format: "Letter", file: "letter" },
];

let prefix = "";
const ok = (msg) => console.log(`ok - ${prefix}${msg}`);
const notOk = (msg, why) => console.log(`not ok - ${prefix}${msg}: ${why}`);

function launch() {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    protocolTimeout: TIMEOUT,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
  });
}

// Every request the page makes is recorded; only the page itself and data: URLs go through.
async function guard(page, pageUrl) {
  const foreign = [];
  page.setDefaultTimeout(TIMEOUT);
  await page.setRequestInterception(true);
  page.on("request", (req) => {
    const url = req.url();
    if (url === pageUrl || url.startsWith("data:")) {
      req.continue();
    } else {
      foreign.push(url);
      req.abort();
    }
  });
  return foreign;
}

// The verdict banner: the element that says the verdict, visible, wholly inside the first
// viewport. Marked elements first (data-verdict, .verdict, #verdict, .banner, role=status/banner/alert), else
// the smallest visible element whose text says the verdict.
function findBanner(source) {
  const re = new RegExp(source, "i");
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none" &&
      Number(s.opacity) > 0 && el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
  };
  const says = (el) => re.test((el.innerText || "").replace(/\s+/g, " "));
  const marked = [...document.querySelectorAll(
    "[data-verdict], .verdict, #verdict, .banner, [role=status], [role=banner], [role=alert]",
  )].filter((el) => says(el) && visible(el));
  let el = marked[0];
  let how = "marked";
  if (!el) {
    how = "by its text";
    const all = [...document.body.querySelectorAll("*")].filter((e) => says(e) && visible(e));
    // the innermost: no descendant that also says it
    el = all.find((e) => !all.some((d) => d !== e && e.contains(d)));
  }
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {
    how,
    tag: el.tagName.toLowerCase() + (el.id ? `#${el.id}` : "") + (el.className ? `.${String(el.className).split(/\s+/).join(".")}` : ""),
    text: el.innerText.replace(/\s+/g, " ").slice(0, 120),
    x: r.x, y: r.y, width: r.width, height: r.height,
    inside: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
  };
}

function checkBanner(banner, what) {
  if (!banner) {
    notOk(`${what}: verdict banner`, "no visible element says the verdict");
  } else if (!banner.inside) {
    notOk(`${what}: verdict banner`, `${banner.tag} "${banner.text}" at ${JSON.stringify(banner)} is not wholly inside the first ${VIEWPORT.width}x${VIEWPORT.height} viewport`);
  } else {
    ok(`${what}: verdict banner visible in the first viewport (${banner.tag}, ${banner.how}, ${Math.round(banner.width)}x${Math.round(banner.height)} at y=${Math.round(banner.y)}: "${banner.text}")`);
  }
}

// Distinct colours of a PNG, whole and inside a rectangle, decoded by the browser itself on a
// blank page of its own (the report page's guard does not apply there).
async function colours(browser, png, rect) {
  const page = await browser.newPage();
  try {
    return await page.evaluate(async (b64, rect) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const count = (x, y, w, h) => {
        const d = g.getImageData(x, y, Math.max(1, w), Math.max(1, h)).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
        return seen.size;
      };
      return {
        width: img.width,
        height: img.height,
        all: count(0, 0, img.width, img.height),
        banner: rect ? count(Math.floor(rect.x), Math.floor(rect.y), Math.ceil(rect.width), Math.ceil(rect.height)) : 0,
      };
    }, png.toString("base64"), rect);
  } finally {
    await page.close();
  }
}

async function checkPage(name, file, outDir, expected, planted) {
  prefix = `${name}: `;
  const pageUrl = pathToFileURL(path.resolve(file)).href;
  const browser = await launch();
  try {
    // 1. With JavaScript on: banner, screenshot, print.
    const page = await browser.newPage();
    const foreign = await guard(page, pageUrl);
    await page.setViewport(VIEWPORT);
    await page.goto(pageUrl, { waitUntil: "load" });
    const banner = await page.evaluate(findBanner, expected.verdict_re);
    checkBanner(banner, "JavaScript on");

    if (planted) {
      const seen = await page.evaluate((url) => {
        const attrs = [];
        for (const el of document.querySelectorAll("*")) {
          for (const a of el.attributes) {
            if (a.value.includes(url)) attrs.push(`<${el.tagName.toLowerCase()} ${a.name}="${a.value.slice(0, 60)}">`);
          }
        }
        const text = document.body.innerText.split(url).length - 1;
        return { attrs, text, styles: document.styleSheets.length };
      }, planted);
      if (seen.attrs.length === 0 && seen.text > 0) {
        ok(`the planted URL ${planted} is shown as text ${seen.text} times and is in no attribute`);
      } else {
        notOk(`the planted URL ${planted}`, `shown as text ${seen.text} times; in ${seen.attrs.length} attribute(s): ${seen.attrs.slice(0, 3).join(" ")}`);
      }
    }

    const png = await page.screenshot({ path: path.join(outDir, `${name}.png`) });
    const px = await colours(browser, png, banner);
    if (px.all > 1 && (!banner || px.banner > 1)) {
      ok(`screenshot ${name}.png (${px.width}x${px.height}) is not blank: ${px.all} colours, ${px.banner} in the banner`);
    } else {
      notOk(`screenshot ${name}.png`, `${px.all} colour(s) in the image, ${px.banner} in the banner: blank`);
    }

    // The words the page shows in print media, for expected.py to find in each PDF.
    if (process.env.PRINT_WORDS) {
      await page.emulateMediaType("print");
      const words = await page.evaluate(() => [...new Set(document.body.innerText.split(/\s+/).filter(Boolean))]);
      fs.writeFileSync(process.env.PRINT_WORDS, words.join("\n"));
      await page.emulateMediaType(null);
    }
    for (const paper of PAPERS) {
      const out = path.join(outDir, `${name}-${paper.file}.pdf`);
      await page.pdf({ path: out, format: paper.format, preferCSSPageSize: false, printBackground: true, margin: MARGIN, timeout: TIMEOUT });
      ok(`printed to ${path.basename(out)} (${paper.format}, ${fs.statSync(out).size} bytes)`);
    }
    await page.close();

    // 2. With JavaScript off: the banner still shows.
    const nojs = await browser.newPage();
    const foreignNoJs = await guard(nojs, pageUrl);
    await nojs.setJavaScriptEnabled(false);
    await nojs.setViewport(VIEWPORT);
    await nojs.goto(pageUrl, { waitUntil: "load" });
    checkBanner(await nojs.evaluate(findBanner, expected.verdict_re), "JavaScript off");
    await nojs.screenshot({ path: path.join(outDir, `${name}-nojs.png`) });
    await nojs.close();

    const all = [...new Set([...foreign, ...foreignNoJs])];
    if (all.length === 0) {
      ok("no request but the page itself and data: URLs (every request intercepted)");
    } else {
      notOk("requests", `${all.length} request(s) to other URLs: ${all.slice(0, 5).join(" ")}`);
    }
  } finally {
    await browser.close();
  }
}

// The guard and the listener are live: a page with an image at the listener is seen by both.
async function control(listener) {
  prefix = "control: ";
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const seen = [];
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      if (req.url().startsWith(listener)) seen.push(req.url());
      req.continue();
    });
    await page.setContent(`<img src="${listener}/control.png">`, { waitUntil: "load" });
    if (seen.length === 1) {
      ok(`request interception sees a page's image at the listener (${seen[0]})`);
    } else {
      notOk("request interception", `saw ${JSON.stringify(seen)}`);
    }
  } finally {
    await browser.close();
  }
}

(async () => {
  const args = process.argv.slice(2);
  if (args[0] === "--control") {
    await control(args[1]);
  } else {
    const [name, file, outDir, expectedFile, planted] = args;
    await checkPage(name, file, outDir, JSON.parse(fs.readFileSync(expectedFile, "utf8")), planted);
  }
})().catch((e) => {
  console.log(`not ok - ${prefix}browser: ${String(e && e.stack || e).split("\n").slice(0, 3).join(" ")}`);
  process.exit(1);
});

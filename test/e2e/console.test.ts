import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Locator, Page } from 'playwright-core';
import { ensureConsoleBuild } from '../../frontend/scripts/build-if-needed';
import { LocalStack } from '../helpers/local-stack';
import { type ConsoleBrowser, launchConsoleBrowser, screenshot } from './browser';
import { installEmailSettingsStandIn } from './email-settings-stand-in';

/**
 * The admin console in a real browser against a real local stack: sign-in, navigation and access,
 * the Bulk Import Wizard with two files at once, reports, re-import and email settings. Every screen is
 * saved under `test/e2e/screenshots/`.
 */

jest.setTimeout(240_000);

const HEADER = 'email,first_name,last_name,role,phone,department,start_date';
const WAIT_MS = 90_000;

const userRow = (index: number, prefix: string) =>
  `${prefix}${index}@example.com,First${index},Last${index},member,+1 555 010 ${String(index).padStart(4, '0')},Sales,2024-01-15`;

/** 30 rows, 3 of them broken in ways an admin can fix in the exceptions report. */
const filePartial = (): string => {
  const rows = Array.from({ length: 30 }, (_, index) => userRow(index + 1, 'alpha'));
  rows[4] = 'not-an-email,Broken,Email,member,,Sales,2024-01-15';
  rows[11] = 'alpha12@example.com,Broken,Role,owner,,Sales,2024-01-15';
  rows[20] = 'alpha21@example.com,Broken,Date,member,,Sales,2023-02-30';
  return `${HEADER}\n${rows.join('\n')}\n`;
};

/** 20 valid rows. */
const fileComplete = (): string =>
  `${HEADER}\n${Array.from({ length: 20 }, (_, index) => userRow(index + 1, 'bravo')).join('\n')}\n`;

const readDownload = async (download: Download): Promise<string> => {
  const path = await download.path();
  return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
};

/** Waits until the locator's text contains `expected`, failing with what it showed last. */
const waitForText = async (locator: Locator, expected: string | RegExp, timeout = WAIT_MS): Promise<void> => {
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent().catch(() => '')) ?? '';
    if (typeof expected === 'string' ? last.includes(expected) : expected.test(last)) return;
    await new Promise((settle) => setTimeout(settle, 200));
  }
  throw new Error(`Expected ${String(expected)} in the element; it showed: ${last}`);
};

const signIn = async (page: Page, baseUrl: string, username: 'admin' | 'viewer') => {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByRole('radio', { name: new RegExp(`^${username}`) }).check();
  await page.getByRole('button', { name: `Sign in as ${username}` }).click();
  await page.getByRole('heading', { name: `Welcome, ${username}` }).waitFor();
};

const signOut = async (page: Page) => {
  await page.getByRole('button', { name: /^Account menu/ }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
};

/** Signs out, then in as admin to `account`, and opens the Imports page with the wizard's first two steps done. */
const openWizardIn = async (
  page: Page,
  baseUrl: string,
  account: string,
  filePath: string,
): Promise<Locator> => {
  await signOut(page);
  await page.getByRole('radio', { name: /^admin/ }).check();
  await page.getByLabel('Account').fill(account);
  await page.getByRole('button', { name: `Sign in as admin to ${account}` }).click();
  await page.getByRole('heading', { name: 'Welcome, admin' }).waitFor();
  await page.goto(`${baseUrl}/imports`);
  await page.getByRole('button', { name: 'New import' }).first().click();
  const wizard = page.getByRole('dialog', { name: 'Bulk Import Wizard' });
  await wizard.getByRole('radio', { name: /Users/ }).check();
  await wizard.getByRole('button', { name: 'Next: choose files' }).click();
  await wizard.getByLabel('CSV files to import').setInputFiles(filePath);
  await wizard.getByRole('button', { name: 'Next: preview columns' }).click();
  return wizard;
};

describe('admin console', () => {
  let stack: LocalStack;
  let browser: ConsoleBrowser;
  let page: Page;
  let workDir: string;

  beforeAll(async () => {
    // npm test builds it first; this covers a direct `jest --selectProjects e2e` after an edit.
    await ensureConsoleBuild();
    workDir = await mkdtemp(join(tmpdir(), 'bulk-imports-e2e-files-'));
    // Smaller chunks than the default 5,000 rows: processing progress then moves in visible steps.
    [stack, browser] = await Promise.all([
      LocalStack.start({ env: { CHUNK_MAX_ROWS: '2000' } }),
      launchConsoleBrowser(),
    ]);
    page = browser.page;
    page.setDefaultTimeout(30_000);
    await installEmailSettingsStandIn(page, stack);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.dispose();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('shows a viewer the disabled Bulk Imports item and the administrators-only page', async () => {
    // Prepare
    await page.goto(`${stack.baseUrl}/imports`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await screenshot(page, '01-sign-in');

    // Act
    await signIn(page, stack.baseUrl, 'viewer');
    await screenshot(page, '02-viewer-home');
    await page.getByRole('button', { name: 'Account menu for viewer' }).click();
    const item = page.getByRole('menuitem', { name: /Bulk Imports/ });
    await item.waitFor();
    await screenshot(page, '03-viewer-avatar-menu');
    await item.click({ force: true }); // A disabled item must not navigate, even when clicked.

    // Assess
    expect(await item.isDisabled()).toBe(true);
    expect(await item.textContent()).toContain('Administrators only');
    expect(new URL(page.url()).pathname).toBe('/');

    // Act: type the URL.
    await page.keyboard.press('Escape');
    await page.goto(`${stack.baseUrl}/imports`);

    // Assess
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    expect(await page.getByRole('main').textContent()).toContain('You are signed in as viewer');
    await screenshot(page, '04-viewer-administrators-only');

    // Act
    await signOut(page);

    // Assess: nothing of the session is left in the tab.
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    await page.goto(`${stack.baseUrl}/imports`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('lets an admin upload two files at once and see both reach their final status with the right counts', async () => {
    // Prepare
    const partialPath = join(workDir, 'team-alpha.csv');
    const completePath = join(workDir, 'team-bravo.csv');
    const notCsvPath = join(workDir, 'notes.txt');
    const emptyPath = join(workDir, 'empty.csv');
    const hugePath = join(workDir, 'huge.csv');
    await writeFile(partialPath, filePartial());
    await writeFile(completePath, fileComplete());
    await writeFile(notCsvPath, 'not a spreadsheet');
    await writeFile(emptyPath, '');
    await writeFile(hugePath, '');
    await truncate(hugePath, 230 * 1024 * 1024); // Sparse: 230 MB on paper, nothing on disk.
    await signIn(page, stack.baseUrl, 'admin');

    // Act: navigate through the avatar menu with the keyboard (the menu opens on its first item).
    await page.getByRole('button', { name: 'Account menu for admin' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Bulk Imports' }).waitFor();
    await screenshot(page, '05-admin-avatar-menu');
    expect(await page.evaluate<string | null>('document.activeElement.textContent')).toBe('Bulk Imports');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Imports', exact: true }).waitFor();
    await page.getByRole('heading', { name: 'No imports yet' }).waitFor();
    await screenshot(page, '06-imports-empty');

    // Act: the wizard's template step, with the sample CSV.
    await page.getByRole('button', { name: 'New import' }).first().click();
    const wizard = page.getByRole('dialog', { name: 'Bulk Import Wizard' });
    await wizard.getByRole('radio', { name: /Users/ }).check();
    await wizard.getByRole('cell', { name: 'start_date' }).waitFor();
    await screenshot(page, '07-wizard-template');
    const [sample] = await Promise.all([
      page.waitForEvent('download'),
      wizard.getByRole('button', { name: 'Download sample CSV' }).click(),
    ]);

    // Assess
    expect(sample.suggestedFilename()).toBe('users-sample.csv');
    expect((await readDownload(sample)).split(/\r?\n/)[0]).toBe(HEADER);

    // Act: files that cannot be imported are refused at once, each with its reason.
    await wizard.getByRole('button', { name: 'Next: choose files' }).click();
    await wizard.getByLabel('CSV files to import').setInputFiles([notCsvPath, emptyPath, hugePath]);

    // Assess
    const fileList = wizard.getByRole('list', { name: 'Chosen files' });
    await waitForText(fileList, 'notes.txt is not a CSV file');
    expect(await fileList.textContent()).toContain('empty.csv is empty (0 bytes)');
    expect(await fileList.textContent()).toContain('huge.csv is 230 MB; the limit is 200 MB');
    expect(await wizard.getByRole('button', { name: 'Next: preview columns' }).isDisabled()).toBe(true);
    await screenshot(page, '08-wizard-rejected-files');

    // Act: two good files, and a double click on Upload.
    for (const name of ['notes.txt', 'empty.csv', 'huge.csv']) {
      await wizard.getByRole('button', { name: `Remove ${name}` }).click();
    }
    await wizard.getByLabel('CSV files to import').setInputFiles([partialPath, completePath]);
    await screenshot(page, '09-wizard-files-chosen');
    await wizard.getByRole('button', { name: 'Next: preview columns' }).click();
    await wizard.getByRole('table', { name: 'Columns of team-alpha.csv' }).waitFor();
    await wizard.getByRole('button', { name: 'Upload 2 files' }).dblclick();

    // Assess: each file goes through upload and processing to its final status.
    const alpha = wizard.getByRole('listitem', { name: 'team-alpha.csv' });
    const bravo = wizard.getByRole('listitem', { name: 'team-bravo.csv' });
    await waitForText(alpha, 'Partial Success');
    await waitForText(bravo, 'Completed');
    await waitForText(alpha.getByTestId('processing-figures'), '27 imported · 3 failed');
    await waitForText(bravo.getByTestId('processing-figures'), '20 imported · 0 failed');
    expect(await alpha.textContent()).toContain('Uploaded');
    await waitForText(wizard, 'All files have reached their final status.');
    await screenshot(page, '10-wizard-final-status');

    // Assess: the double click made one import per file, not two.
    const token = await stack.token('admin');
    const listed = (await stack.get('/api/imports', token)).body as { items: { fileName: string }[] };
    expect(listed.items.map((task) => task.fileName).sort()).toEqual(['team-alpha.csv', 'team-bravo.csv']);

    // Act
    await wizard.getByRole('button', { name: 'Done' }).click();

    // Assess: the grid shows both, most recent first, with their counts.
    const grid = page.getByRole('table', { name: 'Imports' });
    await waitForText(grid, 'Partial Success');
    const rows = grid.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const alphaRow = grid.getByRole('row', { name: /team-alpha\.csv/ });
    await waitForText(alphaRow, '27');
    const cells = await alphaRow.getByRole('cell').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['Users', 'team-alpha.csv', '—', 'Partial Success']);
    expect(cells[6]).toBe('admin');
    expect(cells.slice(7, 9)).toEqual(['27', '3']);
    await screenshot(page, '11-imports-grid');
  });

  it('downloads an exceptions report that holds the failed rows', async () => {
    // Prepare
    const grid = page.getByRole('table', { name: 'Imports' });
    await grid.getByRole('button', { name: 'Actions for team-alpha.csv' }).click();
    await page.getByRole('menuitem', { name: 'Exceptions' }).waitFor();
    await screenshot(page, '12-row-menu');

    // Act
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'Exceptions' }).click(),
    ]);
    const text = await readDownload(download);
    await writeFile(join(workDir, 'exceptions.csv'), text);

    // Assess
    const lines = text.trim().split(/\r?\n/);
    expect(download.suggestedFilename()).toMatch(/exceptions\.csv$/);
    expect(lines[0]).toBe(`${HEADER},row_number,error_type,error_message`);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^not-an-email,Broken,Email,member,.*,6,INVALID_FORMAT,/);
    expect(lines[2]).toMatch(/^alpha12@example\.com,Broken,Role,owner,.*,13,INVALID_VALUE,/);
    expect(lines[3]).toMatch(/^alpha21@example\.com,Broken,Date,member,.*,22,INVALID_/);
  });

  it('shows the details of an import and re-imports the fixed file on the same template', async () => {
    // Prepare
    const grid = page.getByRole('table', { name: 'Imports' });

    // Act: keyboard only, as a screen-reader or keyboard user would.
    await grid.getByRole('row', { name: /team-alpha\.csv/ }).focus();
    await page.keyboard.press('Enter');
    const details = page.getByRole('dialog', { name: 'team-alpha.csv' });
    await details.getByRole('table', { name: 'Row errors' }).waitFor();

    // Assess
    await waitForText(details.locator('.details-status'), 'Partial Success3 of 30 rows failed');
    const fields = await details.locator('dl.fields').textContent();
    expect(fields).toContain('Users');
    expect(fields).toContain('admin');
    const errorTable = details.getByRole('table', { name: 'Row errors' });
    await errorTable.locator('tbody tr').nth(2).waitFor();
    const errorRows = await errorTable.locator('tbody tr').allTextContents();
    expect(errorRows).toHaveLength(3);
    expect(errorRows[0]).toContain('6');
    await screenshot(page, '13-import-details');

    // Act: fix the three rows in the exceptions report and upload it as is.
    const fixed = (await readFile(join(workDir, 'exceptions.csv'), 'utf8'))
      .replace('not-an-email', 'alpha5@example.com')
      .replace(',owner,', ',manager,')
      .replace('2023-02-30', '2023-02-28');
    // User-supplied names are shown as text: markup in a file name must never run or render.
    const fixedName = 'fixed <img src=x onerror="window.__injected=1">.csv';
    const fixedPath = join(workDir, fixedName);
    await writeFile(fixedPath, fixed);
    await details.getByRole('button', { name: 'Re-import fixed file' }).click();
    const wizard = page.getByRole('dialog', { name: 'Bulk Import Wizard' });
    await wizard.getByText('Template: Users').waitFor();
    await screenshot(page, '14-reimport-wizard');
    await wizard.getByLabel('CSV files to import').setInputFiles(fixedPath);
    await wizard.getByRole('button', { name: 'Next: preview columns' }).click();
    await wizard.getByRole('button', { name: 'Upload 1 file' }).click();

    // Assess
    const item = wizard.getByRole('listitem', { name: fixedName });
    await waitForText(item, 'Completed');
    await waitForText(item.getByTestId('processing-figures'), '3 imported · 0 failed');
    await screenshot(page, '15-reimport-completed');
    await wizard.getByRole('button', { name: 'Done' }).click();
    await waitForText(grid.locator('tbody tr').first(), fixedName);
    // A string, because the test code is type-checked without the DOM library.
    const injected = await page.evaluate<boolean>(
      `'__injected' in window || document.querySelector('img[src="x"]') !== null`,
    );
    expect(injected).toBe(false);
  });

  it('saves email import settings, with validation errors next to the fields', async () => {
    // Prepare
    await page.getByRole('button', { name: 'Email Import Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Email Import Settings' });
    await dialog.getByRole('switch', { name: /Import CSV attachments from email/ }).waitFor();
    await screenshot(page, '16-email-settings');

    // Act: turn it on with a bad address and a bad sender.
    await dialog.getByRole('switch', { name: /Import CSV attachments from email/ }).check();
    await dialog.getByRole('button', { name: 'Add address' }).click();
    await dialog.getByLabel('Address 1', { exact: true }).fill('users-at-imports');
    await dialog.getByRole('button', { name: 'Add sender' }).click();
    await dialog.getByLabel('Sender 1', { exact: true }).fill('example.com');
    await dialog.getByRole('button', { name: 'Save settings' }).click();

    // Assess
    await waitForText(dialog, 'Enter a valid email address');
    expect(await dialog.getByLabel('Address 1', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.textContent()).toContain('Enter an email address, or *@domain');
    await screenshot(page, '17-email-settings-errors');

    // Act: fix them and save.
    await dialog.getByLabel('Address 1', { exact: true }).fill('users@imports.example.com');
    await dialog.getByLabel('Template for address 1', { exact: true }).selectOption({ label: 'Users' });
    await dialog.getByLabel('Sender 1', { exact: true }).fill('*@example.com');
    await dialog.getByRole('switch', { name: /Reply to the sender/ }).check();
    await dialog.getByRole('button', { name: 'Save settings' }).click();

    // Assess
    await dialog.getByText('Settings saved').waitFor();
    await screenshot(page, '18-email-settings-saved');
    const stored = await page.evaluate(async () => {
      const response = await fetch('/api/settings/email', {
        headers: { authorization: `Bearer ${sessionStorage.getItem('bulk-imports.local-token')}` },
      });
      return response.json();
    });
    expect(stored).toEqual({
      enabled: true,
      addresses: [{ address: 'users@imports.example.com', templateId: 'users' }],
      allowedSenders: ['*@example.com'],
      replyToSender: true,
    });
  });

  it('uploads a multi-part file with another template and shows processing progress until the end', async () => {
    // Prepare: about 9.6 MB, so the browser uploads two 8 MiB parts. A wide column the template does not
    // know (ignored, with a warning) makes the file big without making the import slow.
    const rowCount = 20_000;
    const notes = 'n'.repeat(420);
    const lines = ['code,name,parent_code,manager_email,cost_center,budget,active,notes'];
    for (let index = 1; index <= rowCount; index += 1) {
      lines.push(`D-${index},Department ${index},,,CC-${index % 97},${index}.50,yes,${notes}`);
    }
    const largePath = join(workDir, 'departments-large.csv');
    await writeFile(largePath, `${lines.join('\n')}\n`);
    await page.keyboard.press('Escape');

    // Act
    await page.getByRole('button', { name: 'New import' }).first().click();
    const wizard = page.getByRole('dialog', { name: 'Bulk Import Wizard' });
    await wizard.getByRole('radio', { name: /Departments/ }).check();
    await wizard.getByRole('cell', { name: 'manager_email' }).waitFor();
    await screenshot(page, '19-wizard-departments-template');
    await wizard.getByRole('button', { name: 'Next: choose files' }).click();
    await wizard.getByLabel('CSV files to import').setInputFiles(largePath);
    await wizard.getByRole('button', { name: 'Next: preview columns' }).click();
    await wizard.getByRole('button', { name: 'Upload 1 file' }).click();

    // Assess: processing shows rows done, rows per second and the time left, then the final status.
    const item = wizard.getByRole('listitem', { name: 'departments-large.csv' });
    const figures = item.getByTestId('processing-figures');
    await waitForText(figures, /of 20,000 rows · [\d,]+ rows\/s · about \d/);
    await screenshot(page, '20-wizard-processing');

    // Act: once uploaded, the wizard may close; the grid row keeps itself up to date.
    await wizard.locator('footer').getByRole('button', { name: 'Close' }).click();
    const row = page
      .getByRole('table', { name: 'Imports' })
      .getByRole('row', { name: /departments-large\.csv/ });
    await waitForText(row, /Processing[1-9][\d,]* of 20,000 rows/);
    await screenshot(page, '21-imports-grid-processing');

    // Assess
    await waitForText(row, 'Completed', 180_000);
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[0]).toBe('Departments');
    expect(cells.slice(7, 9)).toEqual(['20,000', '0']);
    const token = await stack.token('admin');
    const listed = (await stack.get('/api/imports', token)).body as {
      items: { fileName: string; fileSize: number; templateId: string }[];
    };
    expect(listed.items[0]).toMatchObject({ fileName: 'departments-large.csv', templateId: 'departments' });
    expect(listed.items[0]?.fileSize).toBeGreaterThan(8 * 1024 * 1024);

    // Act: the details show the warning about the ignored column.
    await row.click();
    const details = page.getByRole('dialog', { name: 'departments-large.csv' });
    const warnings = details.getByRole('region', { name: 'Warnings' });
    await warnings.waitFor();

    // Assess
    expect(await warnings.textContent()).toContain('notes');
    expect(await details.locator('dl.fields').textContent()).toContain('Departments');
    await screenshot(page, '22-details-with-warning');
  });

  it('signs in to an account typed on the sign-in page, shows it in the header, and lists only its imports', async () => {
    // Prepare: the default account has imports (the tests above); acme has one of its own
    const acme = await stack.token('admin', 'acme');
    const own = await stack.importFile(acme, {
      templateId: 'users',
      fileName: 'acme-only.csv',
      content: 'email,first_name,last_name,role\r\nacme-e2e@example.com,Ac,Me,member\r\n',
    });
    await page.goto(`${stack.baseUrl}/imports`);
    await signOut(page);

    // Act
    await page.getByRole('radio', { name: /^admin/ }).check();
    await page.getByLabel('Account').fill('acme');
    await screenshot(page, '23-sign-in-typed-account');
    await page.getByRole('button', { name: 'Sign in as admin to acme' }).click();
    await page.getByRole('heading', { name: 'Welcome, admin' }).waitFor();
    await page.goto(`${stack.baseUrl}/imports`);
    const grid = page.getByRole('table', { name: 'Imports' });
    await grid.getByRole('row', { name: /acme-only\.csv/ }).waitFor();
    await screenshot(page, '24-imports-of-acme');

    // Assess
    expect(own.status).toBe('COMPLETED');
    expect(await page.getByTestId('signed-in-account').textContent()).toBe('acme');
    expect(await grid.getByRole('row', { name: /departments-large\.csv/ }).count()).toBe(0);
    expect(await grid.getByRole('row').count()).toBe(2); // the header row and acme's one import
  });

  it('previews a CRM export before uploading: matched columns, converted samples, a value for a missing column, the date order, then the saved mapping', async () => {
    // Prepare: an export whose headers are not the template's, national numbers, dates that read both ways.
    const header =
      'Record ID,First Name,Last Name,Email Address [Required],Phone Number,Hire Date,Lifecycle Stage';
    const exportOf = (prefix: string) =>
      `${header}\n1,Ada,Lovelace,${prefix}ada@example.com,(415) 555-0100,03/04/2024,lead\n2,Alan,Turing,${prefix}alan@example.com,415-555-0101,05/06/2023,lead\n`;
    const firstPath = join(workDir, 'crm-export.csv');
    const secondPath = join(workDir, 'crm-export-week2.csv');
    await writeFile(firstPath, exportOf('preview.'));
    await writeFile(secondPath, exportOf('preview2.'));
    // Act: the preview of the chosen file.
    const wizard = await openWizardIn(page, stack.baseUrl, 'preview', firstPath);
    const columns = wizard.getByRole('table', { name: 'Columns of crm-export.csv' });
    await columns.waitFor();
    await screenshot(page, '25-preview-missing-column');

    // Assess: what was detected, each column's header and converted samples, what blocks the upload.
    expect(await wizard.getByTestId('preview-detected').textContent()).toContain(
      'UTF-8, comma-separated, 7 columns',
    );
    expect(await wizard.getByLabel('Header for email').inputValue()).toBe('Email Address [Required]');
    expect(await wizard.getByLabel('Header for phone').inputValue()).toBe('Phone Number');
    expect(await wizard.getByRole('list', { name: 'Samples of phone' }).textContent()).toBe(
      '+14155550100+14155550101',
    );
    expect(await wizard.getByTestId('preview-ignored').textContent()).toBe(
      'Not imported: Record ID, Lifecycle Stage',
    );
    await waitForText(
      wizard.getByRole('list', { name: 'What to fix in crm-export.csv' }),
      'role is required',
    );
    expect(await wizard.getByRole('button', { name: 'Upload 1 file' }).isDisabled()).toBe(true);
    await waitForText(wizard, 'Start date: the first rows read month first or day first');

    // Act: one value for the missing column, first a wrong one.
    await wizard.getByLabel('Header for role').selectOption({ label: 'One value for every row…' });
    await wizard.getByLabel('Value of role for every row').fill('boss');
    await waitForText(
      wizard.getByRole('list', { name: 'What to fix in crm-export.csv' }),
      'Role must be one of admin, manager, member',
    );
    await screenshot(page, '26-preview-value-refused');
    await wizard.getByLabel('Value of role for every row').fill('Member');
    await wizard.getByRole('list', { name: 'Samples of role' }).waitFor();

    // Act: the date order, chosen.
    await wizard.getByLabel('Date order of start_date').selectOption('DMY');
    await waitForText(wizard.getByRole('list', { name: 'Samples of start_date' }), '2024-04-03');
    expect(await wizard.getByRole('list', { name: 'Samples of role' }).textContent()).toBe('member');
    expect(await wizard.getByRole('list', { name: 'What to fix in crm-export.csv' }).count()).toBe(0);
    await screenshot(page, '27-preview-ready');
    await wizard.getByRole('button', { name: 'Upload 1 file' }).click();

    // Assess: imported as previewed.
    const item = wizard.getByRole('listitem', { name: 'crm-export.csv' });
    await waitForText(item, 'Completed');
    await waitForText(item.getByTestId('processing-figures'), '2 imported · 0 failed');
    const token = await stack.token('admin', 'preview');
    const listed = (await stack.get('/api/imports', token)).body as { items: { importId: string }[] };
    const task = await stack.task(token, listed.items[0]?.importId ?? '');
    expect(task).toMatchObject({
      mapping: {
        email: { source: 'Email Address [Required]' },
        first_name: { source: 'First Name' },
        last_name: { source: 'Last Name' },
        role: { value: 'Member' },
        phone: { source: 'Phone Number' },
        start_date: { source: 'Hire Date' },
      },
      formats: { start_date: 'DMY' },
      defaultCountry: 'US',
      detected: { encoding: 'utf-8', delimiter: ',', formats: { start_date: null } },
    });
    const records = (await stack.get('/api/templates/users/records', token)).body as {
      items: { email: string; phone: string; start_date: string; role: string }[];
    };
    expect(records.items.find((record) => record.email === 'preview.ada@example.com')).toMatchObject({
      phone: '+14155550100',
      start_date: '2024-04-03',
      role: 'member',
    });
    await wizard.getByRole('button', { name: 'Done' }).click();

    // Act: the next file with the same header.
    await page.getByRole('button', { name: 'New import' }).first().click();
    await wizard.getByRole('radio', { name: /Users/ }).check();
    await wizard.getByRole('button', { name: 'Next: choose files' }).click();
    await wizard.getByLabel('CSV files to import').setInputFiles(secondPath);
    await wizard.getByRole('button', { name: 'Next: preview columns' }).click();
    await wizard.getByRole('table', { name: 'Columns of crm-export-week2.csv' }).waitFor();
    await screenshot(page, '28-preview-saved-mapping');

    // Assess: the saved mapping is filled in, with its value and order.
    expect(await wizard.getByTestId('preview-detected').textContent()).toContain(
      'Columns as saved for this header by admin',
    );
    expect(await wizard.getByLabel('Value of role for every row').inputValue()).toBe('Member');
    expect(await wizard.getByLabel('Date order of start_date').inputValue()).toBe('DMY');
    expect(await columns.count()).toBe(0);
    await wizard.getByRole('button', { name: 'Upload 1 file' }).click();
    await waitForText(wizard.getByRole('listitem', { name: 'crm-export-week2.csv' }), 'Completed');
  });

  it('checks a file first, shows what an import would do and imports it with "Import now"', async () => {
    // Prepare: one row of the file is already a user of this account.
    const account = 'checking';
    const token = await stack.token('admin', account);
    await stack.importFile(token, {
      templateId: 'users',
      fileName: 'existing.csv',
      content: `${HEADER}\n${userRow(2, 'check')}\n`,
    });
    const path = join(workDir, 'check-me.csv');
    const rows = Array.from({ length: 5 }, (_, index) => userRow(index + 1, 'check'));
    rows[3] = 'check4@example.com,Broken,Role,owner,,Sales,2024-01-15';
    await writeFile(path, `${HEADER}\n${rows.join('\n')}\n`);
    // A fresh page: whatever an earlier test left open is closed.
    await page.goto(`${stack.baseUrl}/imports`);
    // Act: the check.
    const wizard = await openWizardIn(page, stack.baseUrl, account, path);
    await wizard.getByRole('table', { name: 'Columns of check-me.csv' }).waitFor();
    await wizard.getByRole('button', { name: 'Check first' }).click();
    const item = wizard.getByRole('listitem', { name: 'check-me.csv' });
    await waitForText(item.getByTestId('processing-figures'), '3 would import · 2 would fail');
    await waitForText(wizard, 'Every check has finished: nothing was imported.');
    await screenshot(page, '29-wizard-check-finished');
    await wizard.getByRole('button', { name: 'Done' }).click();

    // Assess: the check in the grid and its details; no record was written.
    const row = page.locator('tr', { hasText: 'check-me.csv' });
    await waitForText(row, 'Check');
    const records = async () =>
      ((await stack.get('/api/templates/users/records', token)).body as { items: unknown[] }).items.length;
    expect(await records()).toBe(1);
    await row.click();
    const details = page.getByRole('dialog', { name: 'check-me.csv' });
    const lineage = details.getByTestId('lineage');
    await waitForText(lineage, 'This was a check: nothing was imported.');
    await waitForText(lineage, 'would import 3 rows; 2 would fail');
    await waitForText(
      details.getByRole('table', { name: 'Row errors' }),
      'A user with this email already exists',
    );
    await screenshot(page, '30-check-details-import-now');

    // Act: import it.
    await lineage.getByRole('button', { name: 'Import now' }).click();

    // Assess: the import's own details, linked to the check, imported as the check said.
    await waitForText(page.getByTestId('lineage'), 'This import commits the check');
    await waitForText(page.getByRole('dialog', { name: 'check-me.csv' }), 'Partial Success');
    await screenshot(page, '31-commit-of-check');
    expect(await records()).toBe(4);
    const listed = (await stack.get('/api/imports', token)).body as {
      items: { importId: string; dryRun?: boolean; parentImportId?: string; successCount: number }[];
    };
    const [commit, check] = listed.items;
    expect(commit).toMatchObject({ parentImportId: check?.importId, successCount: 3 });
    expect(check).toMatchObject({ dryRun: true, committedImportId: commit?.importId });
  });

  it('cancels an import mid-way from its details: the rest is reported as not imported', async () => {
    // Prepare: a 20,000-row import, in ten chunks, in the account signed in.
    const token = await stack.token('admin', 'checking');
    const rows = Array.from({ length: 20_000 }, (_, index) => userRow(index + 1, 'stop'));
    const importId = await stack.upload(token, {
      templateId: 'users',
      fileName: 'stop-me.csv',
      content: `${HEADER}\n${rows.join('\n')}\n`,
    });
    await stack.waitForTask(token, importId, (task) => task.processedRows > 0);

    // Act: cancel it from its details, confirming.
    await page.goto(`${stack.baseUrl}/imports/${importId}`);
    const details = page.getByRole('dialog', { name: 'stop-me.csv' });
    page.once('dialog', (dialog) => void dialog.accept());
    await details
      .getByRole('toolbar', { name: 'Import actions' })
      .getByRole('button', { name: 'Cancel import' })
      .click();
    await waitForText(details, /Cancelling \(asked by admin\)|Partial Success/);
    await screenshot(page, '32-cancelling');

    // Assess: it ends with what was imported before, the rest not imported, and says who cancelled.
    await waitForText(details, 'Partial Success');
    await waitForText(details, 'Cancelled by admin:');
    await screenshot(page, '33-cancelled');
    const ended = await stack.task(token, importId);
    expect(ended).toMatchObject({ status: 'PARTIAL_SUCCESS', cancelledBy: 'admin', processedRows: 20_000 });
    expect(ended.successCount).toBeGreaterThan(0);
    expect(ended.errorCount).toBeGreaterThan(0);
    await details.getByRole('button', { name: 'Close' }).first().click();
    await waitForText(page.locator('tr', { hasText: 'stop-me.csv' }), 'Cancelled');
  });
  it('fixes failed rows in the grid: edits checked first, then imported, and the chain of fixes on the import', async () => {
    // Prepare: an import with three failed rows (6, 13 and 22), in the account signed in.
    const token = await stack.token('admin', 'checking');
    const parent = await stack.importFile(token, {
      templateId: 'users',
      fileName: 'to-fix.csv',
      content: filePartial(),
    });
    expect(parent).toMatchObject({ status: 'PARTIAL_SUCCESS', errorCount: 3 });
    await page.goto(`${stack.baseUrl}/imports/${parent.importId}`);
    const details = page.getByRole('dialog', { name: 'to-fix.csv' });
    const grid = details.getByRole('table', { name: 'Failed rows' });
    const email6 = grid.getByLabel('Row 6 email');
    await email6.waitFor();

    // Assess: each cell's error beside it.
    expect(await email6.inputValue()).toBe('not-an-email');
    expect(await email6.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await email6.getAttribute('aria-describedby');
    await waitForText(details.locator(`[id="${describedBy}"]`), 'email');

    // Act: fix two rows, check the fixes.
    await email6.fill('alpha5@example.com');
    await grid.getByLabel('Row 13 role').fill('member');
    await waitForText(details.getByTestId('fix-count'), '2 rows to send');
    await details.getByRole('toolbar', { name: 'Fixes' }).scrollIntoViewIfNeeded();
    await screenshot(page, '34-failed-rows-grid-edited');
    await details.getByRole('button', { name: 'Check fixes' }).click();

    // Assess: the check of the fixes, which imported nothing; then import it.
    const check = page.getByRole('dialog', { name: 'to-fix-fixes.csv' });
    await waitForText(check.getByTestId('lineage'), 'It checked 2 fixed rows of');
    await waitForText(check, 'Completed');
    await check.getByTestId('lineage').getByRole('button', { name: 'Import now' }).click();
    await waitForText(page.getByTestId('lineage'), 'This import fixes 2 failed rows of');
    await waitForText(page.getByRole('dialog', { name: 'to-fix-fixes.csv' }), 'Completed');

    // Assess: the import shows its chain of fixes, what is still to fix, and the rows imported by a fix.
    await page.goto(`${stack.baseUrl}/imports/${parent.importId}`);
    const chain = details.getByRole('list', { name: 'Fixes of this import' });
    await waitForText(chain, 'check of 2 rows');
    await waitForText(chain, '2 imported, 0 failed');
    expect(await chain.getByRole('listitem').count()).toBe(2);
    await waitForText(details.locator('.counters'), 'Still to fix1');
    await waitForText(grid.locator('tr[data-row="6"]'), 'Imported by fix');
    expect(await grid.getByLabel('Row 22 start_date').getAttribute('readonly')).toBeNull();
    await chain.scrollIntoViewIfNeeded();
    await screenshot(page, '35-chain-of-fixes');
    const after = await stack.task(token, parent.importId);
    expect(after).toMatchObject({ outstandingRows: 1 });
    const [checked, imported] = after.fixImportIds ?? [];
    expect(await stack.task(token, checked ?? '')).toMatchObject({ dryRun: true, fixRows: 2 });
    expect(await stack.task(token, imported ?? '')).toMatchObject({
      parentImportId: checked,
      status: 'COMPLETED',
      successCount: 2,
    });
  });
});

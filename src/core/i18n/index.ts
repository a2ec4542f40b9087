/**
 * Messages of the engine in English and Simplified Chinese.
 *
 * Core code never builds user-visible sentences: it returns a `Message` (a code plus
 * arguments) and a front door formats it in the user's language. Each feature keeps its own
 * catalogue (`<feature>/messages.ts`) and registers it here, so a feature's wording lives
 * next to the code that uses it. `test/unit/i18n.test.ts` checks that every code has both
 * languages and the same placeholders.
 */
export type Locale = 'en' | 'zh-cn';

export interface Message {
  code: string;
  args?: Record<string, string | number>;
}

export type MessageCatalog = Record<Locale, Record<string, string>>;

const catalogs: MessageCatalog[] = [];

/** Called once by each feature's messages module. */
export function registerMessages(catalog: MessageCatalog): MessageCatalog {
  catalogs.push(catalog);
  return catalog;
}

export function allCatalogs(): readonly MessageCatalog[] {
  return catalogs;
}

/** `zh-CN`, `zh-cn`, `zh_CN.UTF-8`, `zh` all map to Simplified Chinese; everything else to English. */
export function toLocale(tag: string | undefined): Locale {
  return tag && /^zh([-_](cn|hans|sg))?\b/i.test(tag) ? 'zh-cn' : 'en';
}

export function msg(code: string, args?: Message['args']): Message {
  return args ? { code, args } : { code };
}

/** Formats `{name}` placeholders. Unknown codes fall back to the code itself (never throws). */
export function formatMessage(message: Message, locale: Locale = 'en'): string {
  let template: string | undefined;
  for (const catalog of catalogs) {
    template = catalog[locale][message.code] ?? template;
  }
  if (template === undefined) {
    for (const catalog of catalogs) {
      template = catalog.en[message.code] ?? template;
    }
  }
  if (template === undefined) {
    return message.code + (message.args ? ' ' + JSON.stringify(message.args) : '');
  }
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    message.args && name in message.args ? String(message.args[name]) : whole,
  );
}

// Message lookup with `{name}` placeholders. The current language is a signal, so any
// component that calls `t` while rendering re-renders when the language changes.
import { signal } from '@preact/signals';
import type { Language } from '../bindings';
import { en, type MessageKey } from './en';
import { ko } from './ko';

export type { MessageKey } from './en';
export type Params = Record<string, string | number>;

const tables: Record<Language, Record<MessageKey, string>> = { en, ko };

export const lang = signal<Language>('en');

export function interpolate(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export function t(key: MessageKey, params?: Params): string {
  return interpolate(tables[lang.value][key], params);
}

/** "1 site" / "3 sites"; Korean has one form for both. */
export function count(n: number, what: 'sites' | 'endpoints'): string {
  return t(n === 1 ? `count.${what}.one` : `count.${what}.other`, { n });
}

/** The language a `null` setting means: the system's, Korean or else English. */
export function systemLanguage(navigatorLanguage: string | undefined): Language {
  return navigatorLanguage?.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

export function applyLanguage(language: Language): void {
  lang.value = language;
  document.documentElement.lang = language;
}

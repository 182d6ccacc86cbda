/**
 * The languages the product speaks to merchants: Chinese (simplified) first, English second. Declared
 * once; every module that takes a language takes this type.
 */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** Passwords never reach a terminal, a log or a `--json` output: URLs are shown masked. */

/** The URL with its password (if any) replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    // never echo what could not be parsed: it may hold a password in a shape URL did not expect
    return '(unparseable URL)';
  }
}

/** Masks every `scheme://user:password@` in a free text (an error message from a driver, say). */
export function maskUrlsIn(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
}

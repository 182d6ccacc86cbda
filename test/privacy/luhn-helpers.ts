/** Card-number helpers for the masking tests, written independently of the code under test. */

/** Appends the Luhn check digit. */
export function withCheckDigit(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** Changes the last digit so the Luhn check fails. */
export function breakCheckDigit(pan: string): string {
  const last = Number(pan.at(-1));
  return pan.slice(0, -1) + String((last + 1) % 10);
}

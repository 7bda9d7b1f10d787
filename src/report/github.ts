/** GitHub Actions workflow commands (annotations), escaped as the runner expects. */

/** `::error title=T::message`; data escapes %, CR and LF; properties also escape `:` and `,`. */
export function annotation(kind: 'error' | 'warning' | 'notice', title: string, message: string): string {
  const data = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string): string => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return `::${kind} title=${prop(title)}::${data(message)}`;
}

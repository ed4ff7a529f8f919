/** Why an fs call failed, as short as the message allows (`ENOENT`, `EISDIR`). */
export function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** How an AWS SDK call ended: 'ok', or the error's code, HTTP status and message, for one toEqual/toMatchObject. */
export async function outcome(p: Promise<unknown>): Promise<{ code: string; status?: number; message?: string }> {
  try {
    await p;
    return { code: 'ok' };
  } catch (error) {
    const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
}

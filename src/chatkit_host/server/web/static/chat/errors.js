// What the user reads when something fails, and whether it ends the session.

/** Maps a server error to the sentence the user reads. */
export function describeError(error, t) {
  const code = String((error && error.code) || "");
  if (error && error.status === 401) {
    if (code.includes("cancel")) return t("sessionCancelled");
    if (code.includes("expire")) return t("sessionExpired");
    return t("sessionInvalid");
  }
  if (code.includes("cancel") && code.includes("session")) return t("sessionCancelled");
  if (error && error.status === 429) return t("rateLimited", { s: error.retryAfter ?? 60 });
  return (error && error.message) || t("streamError");
}

/** Whether an error (HTTP or in-stream) means this session can no longer be used. */
export function endsSession(error) {
  const code = String((error && error.code) || "");
  return Boolean(error && (error.status === 401 || (/session/.test(code) && /cancel|expire/.test(code))));
}

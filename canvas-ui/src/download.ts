// Saves a fetched body as a file. Exports are fetched with the page's own credentials
// (a bearer token cannot ride a plain link inside the Salesforce iframe), so the browser
// download is started from a Blob URL instead of by navigation.

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  link.hidden = true
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Revoke later: some browsers read the Blob URL asynchronously after click().
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** A connection name made safe as a file name on every OS: `Spring list / EU` → `Spring list - EU`. */
export function fileNameFor(name: string, extension: string): string {
  const base = name
    .replace(/[\\/:*?"<>|]+/g, ' - ')
    .replace(/\p{Cc}+/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
    .slice(0, 120)
  return `${base || 'connection'}.${extension}`
}

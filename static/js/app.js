// SafeYard: progressive enhancement of the server-rendered pages (filled in by the PWA work).

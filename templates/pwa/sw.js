// service worker (rendered template; filled in by the PWA work)

"""Server-rendered pages for residents: they work without JavaScript, JS enhances them."""

"""The command line: entry and errors (`main`), the parser made from config fields and part
options (`parser`, `options`, `arguments`), and one thin handler per command (`commands`).

Standard library only at import: `aekit --help` answers without importing torch."""

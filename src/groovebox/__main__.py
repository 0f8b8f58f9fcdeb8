from groovebox.cli import run

run()

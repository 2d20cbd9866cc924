from mart import create_app

app = create_app()

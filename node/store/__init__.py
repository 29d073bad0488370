"""The board store: the SQLite database, its schema and migrations, entry views.

BoardStore (board.py) merges signed records into entry rows; database.py opens SQLite with
the durability settings; models.py is the schema; views.py what commands show.
"""

"""The demo's data: two tenants (Acme Academy and Globex Institute) with their people, markets,
tax, catalog (courses with reusable lessons, other products), reviews, gift cards, discounts
and paid orders.

Plain structures only: amounts and percentages are strings (read as ``Decimal``), dates are
days relative to the moment the demo is loaded, and everything else refers to other entries by
key (a person's ``key``, a market's slug, a lesson's key, a product's slug). ``app.demo`` reads
them and builds everything through the services.
"""

from __future__ import annotations

ACME = "acme"
GLOBEX = "globex"
EU_DOMAIN = "eu.acme.localhost"
SHOWCASE_PRODUCT = "python-for-data-analysis"
CREATOR_SLUG = "grace-hopper"
CROSS_ORG_CREATOR_SLUG = "alan-turing"
DRAFT_PRODUCT = "machine-learning-foundations"
ARCHIVED_PRODUCT = "data-cheat-sheets-2019"
NOT_IN_LATAM_PRODUCT = "python-workbook-print"  # published, deliberately without a latam price

# Placeholder host for demo files that only exist in the demo (``.test`` never resolves).
FILES = "https://files.acme.test"
MDN_MEDIA = "https://interactive-examples.mdn.mozilla.net/media"
FRIDAY_MP4 = f"{MDN_MEDIA}/cc0-videos/friday.mp4"  # CC0 sample video with English captions
FRIDAY_VTT = f"{MDN_MEDIA}/examples/friday.vtt"
FLOWER_MP4 = f"{MDN_MEDIA}/cc0-videos/flower.mp4"
YT_PYTHON = "https://www.youtube-nocookie.com/embed/rfscVS0vtbw"  # freeCodeCamp: Learn Python
YT_SQL = "https://www.youtube-nocookie.com/embed/HXV3zeQKqGY"  # freeCodeCamp: SQL tutorial


# ---- people --------------------------------------------------------------------------------

# Everyone signs in with the DEMO_PASSWORD setting. ``role`` is the label `flask seed info` prints
# next to the login (people without one are not listed); the first of ``locales`` is the default.
PEOPLE: tuple[dict, ...] = (
    {"key": "admin", "email": "admin@acme.test", "name": "Margaret Hamilton", "role": "Org admin (Acme)"},
    {"key": "manager", "email": "manager@acme.test", "name": "Katherine Johnson", "role": "Manager (Acme)"},
    {"key": "grace", "email": "creator@acme.test", "name": "Grace Hopper", "role": "Creator (Acme)"},
    {"key": "alan", "email": "creator2@acme.test", "name": "Alan Turing", "role": "Creator (Acme and Globex)"},
    {"key": "staff", "email": "staff@acme.test", "name": "Dorothy Vaughan", "role": "Staff (Acme)"},
    {"key": "learner", "email": "learner@acme.test", "name": "Lena Fischer", "role": "Learner (Acme and Globex)",
     "locales": ("de", "en")},
    {"key": "customer", "email": "customer@acme.test", "name": "Carlos Ruiz", "role": "Customer (Acme)",
     "locales": ("es", "en")},
    {"key": "amelie", "email": "amelie@acme.test", "name": "Amélie Dubois", "locales": ("fr",)},
    {"key": "sam", "email": "sam@acme.test", "name": "Sam Taylor"},
    {"key": "globex_admin", "email": "admin@globex.test", "name": "Hedy Lamarr", "role": "Org admin (Globex)"},
)

# Public job profiles (the creators' pages), by person key; a person works for every org as the
# same profile.
JOB_PROFILES: dict[str, dict] = {
    "grace": {
        "slug": CREATOR_SLUG, "title": "Data science instructor",
        "bio": ("Grace has taught programming and data analysis for more than fifteen years. She "
                "believes the best way to learn is to build something real, so every course of hers "
                "works with real datasets from the very first lesson."),
        "years_of_experience": 15, "hourly_rate": "120.00", "skill_slugs": ("python", "data-analysis", "sql"),
    },
    "alan": {
        "slug": CROSS_ORG_CREATOR_SLUG, "title": "Mathematician and cryptography instructor",
        "bio": ("Alan teaches the mathematics behind computing: from SQL and data modelling to the "
                "ciphers that keep the internet safe. He teaches for Acme Academy and Globex Institute."),
        "years_of_experience": 20, "hourly_rate": "150.00", "skill_slugs": ("cryptography", "sql", "python"),
    },
}


# ---- skills (the platform taxonomy: slug, name, parent slug) ----------------------------------

SKILLS: tuple[tuple[str, str, str | None], ...] = (
    ("data-science", "Data science", None),
    ("python", "Python", "data-science"),
    ("data-analysis", "Data analysis", "data-science"),
    ("sql", "SQL", "data-science"),
    ("machine-learning", "Machine learning", "data-science"),
    ("design", "Design", None),
    ("design-systems", "Design systems", "design"),
    ("marketing", "Marketing", None),
    ("security", "Security", None),
    ("cryptography", "Cryptography", "security"),
    ("project-management", "Project management", None),
)


# ---- lessons (reusable within their org; keys are local to this module) ---------------------
#
# Each lesson holds the fields of a lesson of its ``type`` (``learn.create_lesson``); ``tr`` gives
# translations by locale (a string is the title alone); a quiz's ``questions`` are (prompt, kind,
# [(choice, correct)], explanation).

WHY_PYTHON_EN = """
# Why Python for data analysis?

Python has become the most widely used language for working with data. Three reasons stand out:

1. **Readable code.** Python reads almost like plain English, so you spend your time on the data, not on the syntax.
2. **A rich ecosystem.** Libraries such as *pandas*, *NumPy* and *Matplotlib* cover loading, cleaning, analysing and plotting.
3. **A huge community.** Whatever problem you run into, someone has probably written about it.

## What you will build

By the end of this course you will have analysed a real dataset from start to finish:

- load a CSV file into a pandas `DataFrame`,
- clean missing and inconsistent values,
- summarise it with `groupby`,
- and present your findings in a chart.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Tip:** keep a notebook open while you watch the lessons and type the examples yourself.
"""

WHY_PYTHON_DE = """
# Warum Python für die Datenanalyse?

Python ist heute die am weitesten verbreitete Sprache für die Arbeit mit Daten. Drei Gründe stechen hervor:

1. **Lesbarer Code.** Python liest sich fast wie normales Englisch. So verbringen Sie Ihre Zeit mit den Daten statt mit der Syntax.
2. **Ein reichhaltiges Ökosystem.** Bibliotheken wie *pandas*, *NumPy* und *Matplotlib* decken das Laden, Bereinigen, Analysieren und Visualisieren ab.
3. **Eine riesige Community.** Zu fast jedem Problem, auf das Sie stoßen, hat schon jemand etwas geschrieben.

## Was Sie bauen werden

Am Ende dieses Kurses haben Sie einen echten Datensatz von Anfang bis Ende analysiert:

- eine CSV-Datei in einen pandas-`DataFrame` laden,
- fehlende und uneinheitliche Werte bereinigen,
- die Daten mit `groupby` zusammenfassen
- und Ihre Ergebnisse in einem Diagramm präsentieren.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Tipp:** Lassen Sie beim Ansehen der Lektionen ein Notebook geöffnet und tippen Sie die Beispiele selbst ab.
"""

WHY_PYTHON_FR = """
# Pourquoi Python pour l'analyse de données ?

Python est devenu le langage le plus utilisé pour travailler avec des données. Trois raisons se démarquent :

1. **Un code lisible.** Python se lit presque comme de l'anglais courant : vous consacrez votre temps aux données, pas à la syntaxe.
2. **Un écosystème riche.** Des bibliothèques comme *pandas*, *NumPy* et *Matplotlib* couvrent le chargement, le nettoyage, l'analyse et la visualisation.
3. **Une immense communauté.** Quel que soit le problème que vous rencontrez, quelqu'un a probablement déjà écrit à son sujet.

## Ce que vous allez réaliser

À la fin de ce cours, vous aurez analysé un jeu de données réel de bout en bout :

- charger un fichier CSV dans un `DataFrame` pandas,
- nettoyer les valeurs manquantes ou incohérentes,
- le résumer avec `groupby`,
- et présenter vos résultats dans un graphique.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Astuce :** gardez un notebook ouvert pendant les leçons et tapez les exemples vous-même.
"""

WHY_PYTHON_ES = """
# ¿Por qué Python para el análisis de datos?

Python se ha convertido en el lenguaje más utilizado para trabajar con datos. Destacan tres razones:

1. **Código legible.** Python se lee casi como inglés corriente, así que dedicas tu tiempo a los datos y no a la sintaxis.
2. **Un ecosistema muy completo.** Bibliotecas como *pandas*, *NumPy* y *Matplotlib* cubren la carga, la limpieza, el análisis y la visualización.
3. **Una comunidad enorme.** Sea cual sea el problema que encuentres, seguramente alguien ya ha escrito sobre él.

## Lo que vas a construir

Al final de este curso habrás analizado un conjunto de datos real de principio a fin:

- cargar un archivo CSV en un `DataFrame` de pandas,
- limpiar los valores que faltan o son incoherentes,
- resumirlo con `groupby`,
- y presentar tus conclusiones en un gráfico.

```python
import pandas as pd

tips = pd.read_csv("tips.csv")
tips.groupby("day")["tip"].mean()
```

> **Consejo:** mantén un notebook abierto mientras ves las lecciones y escribe tú mismo los ejemplos.
"""

LESSONS: dict[str, dict] = {
    # Python for Data Analysis
    "why-python": {
        "type": "text", "title": "Why Python for data analysis?", "duration_minutes": 8,
        "description": "What Python offers for data work and what you will build in this course.",
        "tr": {
            "de": {"title": "Warum Python für die Datenanalyse?", "content": WHY_PYTHON_DE},
            "fr": {"title": "Pourquoi Python pour l'analyse de données ?", "content": WHY_PYTHON_FR},
            "es": {"title": "¿Por qué Python para el análisis de datos?", "content": WHY_PYTHON_ES},
        },
        "content": WHY_PYTHON_EN,
    },
    "setup-jupyter": {
        "type": "video", "title": "Setting up Python and Jupyter", "video_url": YT_PYTHON, "duration_minutes": 12,
        "description": "Install Python, create a virtual environment and start your first notebook.",
        "tr": {"de": "Python und Jupyter einrichten", "fr": "Installer Python et Jupyter",
               "es": "Configurar Python y Jupyter"},
    },
    "python-basics": {
        "type": "text", "title": "Variables, lists and dictionaries", "duration_minutes": 15,
        "tr": {"de": "Variablen, Listen und Dictionaries", "fr": "Variables, listes et dictionnaires",
               "es": "Variables, listas y diccionarios"},
        "content": """
# Variables, lists and dictionaries

Almost every data task starts with three building blocks.

## Variables

A variable is a name for a value:

```python
city = "Lisbon"
temperature = 21.5
```

## Lists

A list keeps values **in order**. Use it for sequences such as daily measurements:

```python
temperatures = [21.5, 23.0, 19.8]
temperatures.append(22.1)
print(len(temperatures))  # 4
```

## Dictionaries

A dictionary maps **keys to values**. Use it when you look things up by name:

```python
prices = {"coffee": 2.40, "tea": 2.10}
print(prices["tea"])  # 2.1
```

| You need...                  | Use a...    |
| ---------------------------- | ----------- |
| values in a fixed order      | list        |
| to look a value up by a name | dictionary  |
""",
    },
    "python-basics-quiz": {
        "type": "quiz", "title": "Quiz: Python basics", "pass_mark_percent": 70, "duration_minutes": 5,
        "tr": {"de": "Quiz: Python-Grundlagen", "fr": "Quiz : les bases de Python",
               "es": "Cuestionario: fundamentos de Python"},
        "questions": [
            ("Which data type would you use to look up a price by product name?", "single",
             [("A list", False), ("A dictionary", True), ("A tuple", False), ("A string", False)],
             "A dictionary maps keys (the product name) to values (the price)."),
            ("Which of these create an empty list?", "multiple",
             [("[]", True), ("list()", True), ("{}", False), ("()", False)],
             "{} creates an empty dictionary and () an empty tuple."),
            ("What does len([3, 1, 4]) return?", "single",
             [("3", True), ("4", False), ("8", False), ("An error", False)],
             "len() counts the items of the list."),
        ],
    },
    "load-csv": {
        "type": "video", "title": "Loading a CSV file into a DataFrame", "video_url": FRIDAY_MP4,
        "captions_url": FRIDAY_VTT, "duration_minutes": 9,
        "description": "read_csv, column types and a first look with head() and info().",
        "tr": {"de": "Eine CSV-Datei in einen DataFrame laden",
               "fr": "Charger un fichier CSV dans un DataFrame",
               "es": "Cargar un archivo CSV en un DataFrame"},
    },
    "tips-dataset": {
        "type": "file", "title": "Practice dataset: restaurant tips (CSV)",
        "file_url": "https://raw.githubusercontent.com/mwaskom/seaborn-data/master/tips.csv",
        "file_name": "tips.csv", "description": "244 restaurant bills with tips, used throughout the course.",
        "tr": {"de": "Übungsdatensatz: Trinkgelder im Restaurant (CSV)",
               "fr": "Jeu de données d'entraînement : pourboires au restaurant (CSV)",
               "es": "Conjunto de datos de práctica: propinas en un restaurante (CSV)"},
    },
    "sql-from-python": {
        "type": "text", "title": "Querying SQL databases from Python", "duration_minutes": 10,
        "tr": {"de": "SQL-Datenbanken aus Python abfragen",
               "fr": "Interroger des bases de données SQL depuis Python",
               "es": "Consultar bases de datos SQL desde Python"},
        "content": """
# Querying SQL databases from Python

Much of the world's data lives in relational databases. pandas can run a SQL query and give you
the result as a `DataFrame`:

```python
import sqlite3
import pandas as pd

with sqlite3.connect("shop.db") as conn:
    orders = pd.read_sql_query(
        "SELECT customer_id, SUM(total) AS revenue FROM orders GROUP BY customer_id",
        conn,
    )
```

## Let the database do the heavy lifting

- **Filter and aggregate in SQL** when the table is large: only the result travels to Python.
- **Reshape and plot in pandas**, where it is more convenient.

> Never build a query by pasting user input into the SQL string. Pass values as parameters:
> `pd.read_sql_query("SELECT * FROM orders WHERE id = ?", conn, params=(order_id,))`
""",
    },
    "missing-values": {
        "type": "text", "title": "Handling missing values", "duration_minutes": 12,
        "tr": {"de": "Mit fehlenden Werten umgehen", "fr": "Gérer les valeurs manquantes",
               "es": "Tratar los valores faltantes"},
        "content": """
# Handling missing values

Real data has gaps. pandas marks them as `NaN` (or `None`).

## Find them

```python
df.isna().sum()          # missing values per column
df[df["tip"].isna()]     # the rows where the tip is missing
```

## Decide what to do

1. **Drop** rows when few are affected and they do not matter: `df.dropna(subset=["tip"])`
2. **Fill** with a sensible value: `df["tip"].fillna(df["tip"].median())`
3. **Keep** them and say so in your analysis when the gap itself tells a story.

There is no single right answer. Write down *why* you chose an option, so others can follow your reasoning.
""",
    },
    "clean-assignment": {
        "type": "assignment", "title": "Assignment: clean the tips dataset", "duration_minutes": 45,
        "content": ("Load `tips.csv`, introduce and then handle missing values in the `tip` column, and "
                    "explain your choices in a short Markdown cell.\n\nUpload your notebook (`.ipynb`) "
                    "or a Python script."),
        "max_upload_mb": 10, "allowed_extensions": "ipynb,py",
        "tr": {"de": "Aufgabe: den Trinkgeld-Datensatz bereinigen",
               "fr": "Devoir : nettoyer le jeu de données des pourboires",
               "es": "Tarea: limpiar el conjunto de datos de propinas"},
    },
    "groupby": {
        "type": "text", "title": "Summarising data with groupby", "duration_minutes": 14,
        "tr": {"de": "Daten mit groupby zusammenfassen", "fr": "Résumer des données avec groupby",
               "es": "Resumir datos con groupby"},
        "content": """
# Summarising data with groupby

`groupby` splits a table into groups, applies a function to each group and combines the results.

```python
tips.groupby("day")["tip"].mean()
```

## Several statistics at once

```python
tips.groupby(["day", "time"]).agg(
    bills=("total_bill", "count"),
    average_tip=("tip", "mean"),
    largest_tip=("tip", "max"),
)
```

## Tips

- Sort the result to find the extremes: `.sort_values("average_tip", ascending=False)`.
- Reset the index with `.reset_index()` before plotting or exporting.
""",
    },
    "groupby-quiz": {
        "type": "quiz", "title": "Quiz: grouping and aggregation", "pass_mark_percent": 60, "duration_minutes": 5,
        "tr": {"de": "Quiz: Gruppieren und Aggregieren", "fr": "Quiz : regroupement et agrégation",
               "es": "Cuestionario: agrupación y agregación"},
        "questions": [
            ('What does tips.groupby("day")["tip"].mean() return?', "single",
             [("The average tip for each day", True), ("The total of all tips", False),
              ("The number of bills per day", False)],
             "mean() is applied to the tips of each day separately."),
            ("Which of these can you pass to .agg()?", "multiple",
             [('"mean"', True), ('"sum"', True), ('"max"', True), ('"sort"', False)],
             "sort is not an aggregation: use sort_values() on the result."),
        ],
    },
    "office-hours": {
        "type": "video", "title": "Recorded office hours: reviewing learners' projects", "video_url": FLOWER_MP4,
        "duration_minutes": 50,
        "tr": {"de": "Aufgezeichnete Sprechstunde: Projekte von Teilnehmenden besprochen",
               "fr": "Permanence enregistrée : revue de projets d'apprenants",
               "es": "Tutoría grabada: revisión de proyectos de estudiantes"},
    },
    "capstone": {
        "type": "assignment", "title": "Capstone: analyse a public dataset", "duration_minutes": 240,
        "content": ("Choose a public dataset, ask three questions about it and answer them with pandas and "
                    "at least two charts. Submit your notebook; your instructor reviews it within a week."),
        "max_upload_mb": 25, "allowed_extensions": "ipynb,pdf,zip",
        "tr": {"de": "Abschlussprojekt: einen öffentlichen Datensatz analysieren",
               "fr": "Projet final : analyser un jeu de données public",
               "es": "Proyecto final: analizar un conjunto de datos público"},
    },
    # SQL Essentials
    "first-select": {
        "type": "text", "title": "Your first SELECT", "duration_minutes": 10,
        "content": """
# Your first SELECT

Every SQL query answers a question about a table. Start with the columns you want and the table they come from:

```sql
SELECT name, city
FROM customers;
```

## Filter rows with WHERE

```sql
SELECT name, city
FROM customers
WHERE country = 'DE'
ORDER BY name;
```

- Text values go in **single quotes**.
- `ORDER BY` sorts the result; add `DESC` for descending order.
- End each statement with a semicolon.
""",
    },
    "where-video": {"type": "video", "title": "Filtering rows with WHERE", "video_url": YT_SQL, "duration_minutes": 14},
    "select-quiz": {
        "type": "quiz", "title": "Quiz: SELECT and WHERE", "pass_mark_percent": 70, "duration_minutes": 5,
        "questions": [
            ("Which clause filters rows?", "single",
             [("WHERE", True), ("ORDER BY", False), ("FROM", False)], None),
            ("Which of these queries return only German customers?", "multiple",
             [("SELECT * FROM customers WHERE country = 'DE';", True),
              ("SELECT * FROM customers WHERE country IN ('DE');", True),
              ("SELECT * FROM customers ORDER BY country;", False)],
             "IN with a single value is the same as =."),
        ],
    },
    "sql-cheat-sheet": {
        "type": "file", "title": "SQL cheat sheet (PDF)", "file_url": f"{FILES}/sql/sql-cheat-sheet.pdf",
        "file_name": "sql-cheat-sheet.pdf",
    },
    "joins": {
        "type": "text", "title": "INNER and OUTER joins", "duration_minutes": 12,
        "content": """
# INNER and OUTER joins

A join combines rows of two tables that belong together.

```sql
SELECT o.id, c.name, o.total
FROM orders AS o
JOIN customers AS c ON c.id = o.customer_id;
```

| Join              | Keeps                                                   |
| ----------------- | ------------------------------------------------------- |
| `INNER JOIN`      | only rows with a match in both tables                   |
| `LEFT JOIN`       | every row of the left table, matched or not             |
| `FULL OUTER JOIN` | every row of both tables                                |

> Customers without orders only appear with a `LEFT JOIN` from `customers` to `orders`.
""",
    },
    "joins-video": {"type": "video", "title": "Joins, visualised", "video_url": FLOWER_MP4, "duration_minutes": 8},
    "group-by": {
        "type": "text", "title": "GROUP BY and HAVING", "duration_minutes": 10,
        "content": """
# GROUP BY and HAVING

`GROUP BY` collapses rows into one row per group; aggregate functions summarise each group.

```sql
SELECT country, COUNT(*) AS customers
FROM customers
GROUP BY country
HAVING COUNT(*) >= 10
ORDER BY customers DESC;
```

- `WHERE` filters rows **before** grouping.
- `HAVING` filters groups **after** grouping.
""",
    },
    "group-by-quiz": {
        "type": "quiz", "title": "Quiz: GROUP BY", "pass_mark_percent": 50, "duration_minutes": 3,
        "questions": [
            ("Which clause filters groups after aggregation?", "single",
             [("HAVING", True), ("WHERE", False), ("LIMIT", False)], None),
            ("Which are aggregate functions?", "multiple",
             [("COUNT", True), ("AVG", True), ("UPPER", False)], "UPPER works on single values."),
        ],
    },
    "window-video": {
        "type": "video", "title": "Window functions: running totals and rankings", "video_url": FRIDAY_MP4,
        "captions_url": FRIDAY_VTT, "duration_minutes": 16,
    },
    "window-assignment": {
        "type": "assignment", "title": "Assignment: rank customers by monthly revenue", "duration_minutes": 40,
        "content": ("Write a query that ranks customers by revenue within each month using `RANK()` "
                    "`OVER (PARTITION BY ...)`. Submit the query as a `.sql` file."),
        "allowed_extensions": "sql,txt",
    },
    # Design Systems in Practice
    "what-is-a-design-system": {
        "type": "text", "title": "What is a design system?", "duration_minutes": 8,
        "content": """
# What is a design system?

A design system is the **shared language** of a product team: the principles, the design tokens, the
components and the documentation that tie them together.

## Why teams build one

- **Consistency:** the same button looks and behaves the same everywhere.
- **Speed:** designers and developers stop rebuilding the same things.
- **Quality:** accessibility and edge cases are solved once, in one place.

## What it is not

A design system is not a one-off UI kit. It is a product with users (your teams), a roadmap and maintainers.
""",
    },
    "design-system-examples": {
        "type": "video", "title": "A tour of three public design systems", "video_url": FLOWER_MP4,
        "duration_minutes": 11,
    },
    "design-tokens": {
        "type": "text", "title": "Design tokens explained", "duration_minutes": 10,
        "content": """
# Design tokens explained

Design tokens are named design decisions: colours, spacing, type sizes, radii.

```json
{
  "color": { "brand": { "value": "#4f46e5" } },
  "space": { "md": { "value": "16px" } }
}
```

Name tokens by **purpose** (`color.text.muted`), not by value (`color.grey-500`), so that a new theme only
changes values, never names.
""",
    },
    "design-tokens-template": {
        "type": "file", "title": "Design token starter template (JSON)",
        "file_url": f"{FILES}/design/design-tokens-starter.json", "file_name": "design-tokens-starter.json",
    },
    "components-video": {
        "type": "video", "title": "Building accessible components", "video_url": FRIDAY_MP4,
        "captions_url": FRIDAY_VTT, "duration_minutes": 18,
    },
    "components-quiz": {
        "type": "quiz", "title": "Quiz: tokens and components", "pass_mark_percent": 70, "duration_minutes": 4,
        "questions": [
            ("Which token name survives a rebrand best?", "single",
             [("color.text.muted", True), ("color.grey-500", False), ("color.4f46e5", False)],
             "Purpose-based names do not change when the values do."),
            ("Which belong in a design system?", "multiple",
             [("Design tokens", True), ("Reusable components", True), ("Usage documentation", True),
              ("Last quarter's sales figures", False)], None),
        ],
    },
    "governance": {
        "type": "text", "title": "Governance: keeping the system alive", "duration_minutes": 9,
        "content": """
# Governance: keeping the system alive

Without clear ownership, a design system slowly drifts away from the product.

1. **Name the owners** of the system and of each component.
2. **Define a contribution process:** proposal, review, release.
3. **Version and announce changes** with a changelog and migration notes.
4. **Measure adoption** to see which parts teams use and which they avoid.
""",
    },
    "governance-assignment": {
        "type": "assignment", "title": "Assignment: write a contribution guide", "duration_minutes": 60,
        "content": "Write a one-page contribution guide for your team's design system and upload it as PDF.",
        "allowed_extensions": "pdf,md",
    },
    # Machine Learning Foundations (draft)
    "ml-intro": {
        "type": "text", "title": "What is machine learning?", "duration_minutes": 5,
        "content": """
# What is machine learning?

Machine learning finds patterns in examples instead of following hand-written rules. This course is still
being written.
""",
    },
    # Globex: Introduction to Cryptography
    "caesar": {
        "type": "text", "title": "From Caesar to Vigenère", "duration_minutes": 10,
        "content": """
# From Caesar to Vigenère

The **Caesar cipher** shifts every letter by a fixed number of positions:

```
plain:  ATTACK AT DAWN
shift:  3
cipher: DWWDFN DW GDZQ
```

With only 25 possible shifts it is broken by trying them all. The **Vigenère cipher** uses a keyword
to vary the shift from letter to letter, which defeated simple frequency analysis for three centuries.
""",
    },
    "caesar-quiz": {
        "type": "quiz", "title": "Quiz: classical ciphers", "pass_mark_percent": 50, "duration_minutes": 3,
        "questions": [
            ("How many useful keys does a Caesar cipher on the 26-letter alphabet have?", "single",
             [("25", True), ("26!", False), ("2", False)], None),
            ("Which attacks work against a Caesar cipher?", "multiple",
             [("Trying every shift", True), ("Frequency analysis", True), ("None, it is unbreakable", False)],
             None),
        ],
    },
    "aes": {
        "type": "text", "title": "Block ciphers and AES", "duration_minutes": 12,
        "content": """
# Block ciphers and AES

A block cipher encrypts fixed-size blocks (128 bits for AES) with a secret key. To encrypt longer
messages it runs in a **mode of operation**; use an authenticated mode such as **GCM**, which also
detects tampering.
""",
    },
    "aes-video": {"type": "video", "title": "AES, step by step", "video_url": FLOWER_MP4, "duration_minutes": 15},
    "rsa": {
        "type": "text", "title": "Public keys and digital signatures", "duration_minutes": 12,
        "content": """
# Public keys and digital signatures

Public-key cryptography uses a **key pair**: anyone may encrypt with the public key, only the holder of
the private key can decrypt. Reversed, the private key *signs* and anyone can *verify* the signature.
""",
    },
    "rsa-assignment": {
        "type": "assignment", "title": "Assignment: sign and verify a message", "duration_minutes": 45,
        "content": "Generate a key pair, sign a short message and verify the signature. Submit your script.",
        "allowed_extensions": "py,txt",
    },
    # Globex: Project Management Essentials
    "pm-scope": {
        "type": "text", "title": "Defining the scope", "duration_minutes": 8,
        "content": """
# Defining the scope

A project's scope says what will be delivered **and what will not**. Write it down before you plan:

- the goal, in one sentence,
- the deliverables,
- what is explicitly out of scope.
""",
    },
    "pm-schedule": {
        "type": "text", "title": "Building a realistic schedule", "duration_minutes": 10,
        "content": """
# Building a realistic schedule

Break deliverables into tasks of a few days at most, estimate them with the people doing the work and
add buffers where the risks are.
""",
    },
    "pm-quiz": {
        "type": "quiz", "title": "Quiz: planning", "pass_mark_percent": 50, "duration_minutes": 3,
        "questions": [
            ("Who should estimate a task?", "single",
             [("The people who will do the work", True), ("The sponsor alone", False)], None),
            ("What belongs in a scope statement?", "multiple",
             [("Deliverables", True), ("What is out of scope", True), ("The office seating plan", False)], None),
        ],
    },
    "pm-stakeholders": {
        "type": "text", "title": "Keeping stakeholders informed", "duration_minutes": 8,
        "content": """
# Keeping stakeholders informed

Agree on **who** needs **what** information **how often**, and send short, regular updates: progress,
risks and decisions needed.
""",
    },
    "pm-template": {
        "type": "file", "title": "Project charter template (DOCX)",
        "file_url": "https://files.globex.test/pm/project-charter-template.docx",
        "file_name": "project-charter-template.docx",
    },
}


# ---- catalogs ------------------------------------------------------------------------------
#
# A product: its type, slug, name, description, optional ``status`` (draft, archived) and
# ``seo``; ``tax`` is a tax category code of the org; ``tr`` gives (name, description) by locale.
# Each variant has ``plans`` priced by market slug (an amount, or (amount, amount per unit) for a
# usage-based plan); ``options`` are the plan type's settings. A course lists its modules and
# sections (``tier`` is the access tier they require, 1 when absent) and places lessons by key:
# ``"key"``, ``("key", tier)`` or ``("key", tier, is_free_preview)``.

# Acme Academy

PYTHON_COURSE = {
    "type": "course", "slug": SHOWCASE_PRODUCT, "name": "Python for Data Analysis", "tax": "digital-services",
    "description": ("Learn to load, clean, analyse and visualise real data with Python, pandas and Jupyter. "
                    "Short lessons, hands-on exercises and a capstone project you can show to employers."),
    "seo": {"title": "Python for Data Analysis: online course",
            "description": "Learn pandas and Jupyter with real datasets, exercises and a capstone project."},
    "tr": {
        "de": ("Python für die Datenanalyse",
               "Lernen Sie, echte Daten mit Python, pandas und Jupyter zu laden, zu bereinigen, zu analysieren "
               "und zu visualisieren. Kurze Lektionen, praktische Übungen und ein Abschlussprojekt, das Sie "
               "Arbeitgebern zeigen können."),
        "fr": ("Python pour l'analyse de données",
               "Apprenez à charger, nettoyer, analyser et visualiser des données réelles avec Python, pandas et "
               "Jupyter. Des leçons courtes, des exercices pratiques et un projet final à présenter aux "
               "employeurs."),
        "es": ("Python para el análisis de datos",
               "Aprende a cargar, limpiar, analizar y visualizar datos reales con Python, pandas y Jupyter. "
               "Lecciones breves, ejercicios prácticos y un proyecto final que podrás mostrar a las empresas."),
    },
    "variants": [{
        "name": "Online course", "sku": "ACME-PY-DA",
        "plans": [
            {"type": "one_time", "name": "Basic", "tier": 1, "prices": {"us": "49", "eu": "49", "latam": "29"},
             "description": "Lifetime access to the core lessons."},
            {"type": "one_time", "name": "Premium", "tier": 2, "prices": {"us": "99", "eu": "99", "latam": "59"},
             "description": "Everything in Basic plus the data-cleaning and analysis modules with assignments."},
            {"type": "subscription", "name": "VIP", "tier": 3,
             "description": "All lessons, the capstone project with personal review and recorded office hours.",
             "options": {"interval": "month", "interval_count": 1, "trial_period_days": 14},
             "prices": {"us": "29", "eu": "29", "latam": "15"}},
        ],
    }],
    "course": {
        "level": "beginner", "difficulty": 3, "duration": 720, "skills": ("python", "data-analysis"),
        "prerequisites": "No programming experience needed; basic spreadsheet skills help.",
        "modules": [
            {"title": "Getting started", "tier": 1,
             "description": "Install your tools, meet Jupyter and learn the Python you need for data work.",
             "tr": {
                 "de": {"title": "Erste Schritte",
                        "description": "Installieren Sie Ihre Werkzeuge, lernen Sie Jupyter kennen und eignen Sie "
                                       "sich das Python an, das Sie für die Arbeit mit Daten brauchen."},
                 "fr": {"title": "Premiers pas",
                        "description": "Installez vos outils, découvrez Jupyter et apprenez le Python dont vous "
                                       "avez besoin pour travailler avec des données."},
                 "es": {"title": "Primeros pasos",
                        "description": "Instala tus herramientas, conoce Jupyter y aprende el Python que necesitas "
                                       "para trabajar con datos."},
             },
             "sections": [
                 {"title": "Welcome", "tr": {"de": "Willkommen", "fr": "Bienvenue", "es": "Bienvenida"},
                  "lessons": [("why-python", 1, True), ("setup-jupyter", 1, True)]},
                 {"title": "Python basics",
                  "tr": {"de": "Python-Grundlagen", "fr": "Les bases de Python", "es": "Fundamentos de Python"},
                  "lessons": ["python-basics", "python-basics-quiz"]},
             ]},
            {"title": "Working with pandas", "tier": 1,
             "description": "Load data from files and databases into pandas and get it into shape.",
             "tr": {
                 "de": {"title": "Arbeiten mit pandas",
                        "description": "Laden Sie Daten aus Dateien und Datenbanken in pandas und bringen Sie sie "
                                       "in Form."},
                 "fr": {"title": "Travailler avec pandas",
                        "description": "Chargez dans pandas des données issues de fichiers et de bases de données, "
                                       "puis mettez-les en forme."},
                 "es": {"title": "Trabajar con pandas",
                        "description": "Carga en pandas datos de archivos y bases de datos y ponlos en orden."},
             },
             "sections": [
                 {"title": "DataFrames", "tr": {"de": "DataFrames", "fr": "Les DataFrames", "es": "DataFrames"},
                  "lessons": ["load-csv", "tips-dataset", ("sql-from-python", 2)]},
                 {"title": "Cleaning data", "tier": 2,
                  "tr": {"de": "Daten bereinigen", "fr": "Nettoyer les données", "es": "Limpiar los datos"},
                  "lessons": ["missing-values", "clean-assignment"]},
             ]},
            {"title": "Analysis and visualisation", "tier": 2,
             "description": "Answer real questions with grouping, aggregation and charts, then complete your "
                            "capstone project.",
             "tr": {
                 "de": {"title": "Analyse und Visualisierung",
                        "description": "Beantworten Sie echte Fragen mit Gruppierungen, Aggregationen und "
                                       "Diagrammen und schließen Sie anschließend Ihr Abschlussprojekt ab."},
                 "fr": {"title": "Analyse et visualisation",
                        "description": "Répondez à de vraies questions grâce aux regroupements, aux agrégations "
                                       "et aux graphiques, puis réalisez votre projet final."},
                 "es": {"title": "Análisis y visualización",
                        "description": "Responde a preguntas reales con agrupaciones, agregaciones y gráficos y, "
                                       "después, completa tu proyecto final."},
             },
             "sections": [
                 {"title": "Grouping and aggregation", "tier": 2,
                  "tr": {"de": "Gruppieren und Aggregieren", "fr": "Regroupement et agrégation",
                         "es": "Agrupación y agregación"},
                  "lessons": ["groupby", "groupby-quiz"]},
                 {"title": "Capstone project", "tier": 3,
                  "tr": {"de": "Abschlussprojekt", "fr": "Projet final", "es": "Proyecto final"},
                  "lessons": [("office-hours", 3), ("capstone", 3)]},
             ]},
        ],
    },
}

SQL_COURSE = {
    "type": "course", "slug": "sql-essentials", "name": "SQL Essentials", "tax": "digital-services",
    "description": ("Write confident SQL: filter, join and aggregate data, then go further with window "
                    "functions. Every lesson comes with queries you can run yourself."),
    "tr": {
        "de": ("SQL-Grundlagen",
               "Schreiben Sie SQL mit Sicherheit: Daten filtern, verknüpfen und aggregieren und anschließend mit "
               "Fensterfunktionen tiefer einsteigen. Zu jeder Lektion gibt es Abfragen zum Selbstausprobieren."),
        "fr": ("Les bases de SQL",
               "Écrivez du SQL en toute confiance : filtrez, joignez et agrégez des données, puis allez plus loin "
               "avec les fonctions de fenêtrage. Chaque leçon propose des requêtes à exécuter vous-même."),
        "es": ("Fundamentos de SQL",
               "Escribe SQL con confianza: filtra, combina y agrega datos, y después profundiza con las funciones "
               "de ventana. Cada lección incluye consultas que puedes ejecutar tú mismo."),
    },
    "variants": [{
        "name": "Online course", "sku": "ACME-SQL",
        "plans": [
            {"type": "one_time", "name": "Standard", "tier": 2, "prices": {"us": "39", "eu": "39", "latam": "25"},
             "description": "Lifetime access to the querying, joins and aggregation modules."},
            {"type": "subscription", "name": "Pro (yearly)", "tier": 3,
             "description": "Every lesson including window functions, with graded assignments.",
             "options": {"interval": "year", "interval_count": 1, "trial_period_days": 0},
             "prices": {"us": "199", "eu": "189", "latam": "99"}},
            {"type": "usage_based", "name": "AI tutor credits", "tier": 1,
             "description": "Course access with 50 questions to the AI tutor included; further questions are "
                            "billed per question.",
             "options": {"usage_unit": "question", "included_units": 50},
             "prices": {"us": ("9", "0.10"), "eu": ("9", "0.10"), "latam": ("5", "0.05")}},
        ],
    }],
    "course": {
        "level": "beginner", "difficulty": 2, "duration": 480, "skills": ("sql", "data-analysis"),
        "modules": [
            {"title": "Querying basics", "sections": [
                {"title": "SELECT and WHERE", "lessons": [("first-select", 1, True), "where-video"]},
                {"title": "Practice", "lessons": ["select-quiz", "sql-cheat-sheet"]},
            ]},
            {"title": "Joining tables", "sections": [
                {"title": "Joins", "lessons": ["joins", "joins-video"]},
                {"title": "SQL from Python", "tier": 2, "lessons": ["sql-from-python"]},  # shared lesson
            ]},
            {"title": "Aggregation and window functions", "tier": 2, "sections": [
                {"title": "GROUP BY and HAVING", "lessons": ["group-by", "group-by-quiz"]},
                {"title": "Window functions", "tier": 3, "lessons": ["window-video", "window-assignment"]},
            ]},
        ],
    },
}

DESIGN_COURSE = {
    "type": "course", "slug": "design-systems-in-practice", "name": "Design Systems in Practice",
    "tax": "digital-services",
    "description": ("Build and maintain a design system that teams actually use: design tokens, reusable "
                    "components, documentation and governance."),
    "tr": {
        "de": ("Designsysteme in der Praxis",
               "Bauen und pflegen Sie ein Designsystem, das Teams wirklich nutzen: Design-Tokens, "
               "wiederverwendbare Komponenten, Dokumentation und Governance."),
        "fr": ("Les design systems en pratique",
               "Créez et faites vivre un design system que les équipes utilisent vraiment : design tokens, "
               "composants réutilisables, documentation et gouvernance."),
        "es": ("Sistemas de diseño en la práctica",
               "Crea y mantén un sistema de diseño que los equipos usen de verdad: tokens de diseño, componentes "
               "reutilizables, documentación y gobernanza."),
    },
    "variants": [
        {"name": "Self-paced", "sku": "ACME-DS-SELF", "plans": [
            {"type": "one_time", "name": "Essentials", "tier": 1, "prices": {"us": "59", "eu": "59", "latam": "35"}},
            {"type": "one_time", "name": "Complete", "tier": 2, "prices": {"us": "129", "eu": "129", "latam": "79"}},
        ]},
        {"name": "Mentored cohort", "sku": "ACME-DS-COHORT", "plans": [
            {"type": "subscription", "name": "Mentorship", "tier": 3,
             "description": "Every lesson plus a monthly group critique with the instructor.",
             "options": {"interval": "month", "interval_count": 1, "trial_period_days": 7},
             "prices": {"us": "49", "eu": "45", "latam": "25"}},
        ]},
    ],
    "course": {
        "level": "intermediate", "difficulty": 5, "duration": 540, "skills": ("design", "design-systems"),
        "modules": [
            {"title": "Foundations", "sections": [
                {"title": "What is a design system?",
                 "lessons": [("what-is-a-design-system", 1, True), "design-system-examples"]},
            ]},
            {"title": "Tokens and components", "tier": 2, "sections": [
                {"title": "Design tokens", "lessons": ["design-tokens", "design-tokens-template"]},
                {"title": "Components", "lessons": ["components-video", "components-quiz"]},
            ]},
            {"title": "Scaling and governance", "tier": 3, "sections": [
                {"title": "Governance", "lessons": ["governance", "governance-assignment"]},
            ]},
        ],
    },
}

EBOOK = {
    "type": "digital_download", "slug": "data-analyst-field-guide", "name": "The Data Analyst's Field Guide",
    "tax": "e-books",
    "description": ("A 180-page e-book (PDF and EPUB) with checklists, query patterns and chart recipes for "
                    "everyday data analysis."),
    "tr": {
        "de": ("Der Praxisleitfaden für Datenanalysten",
               "Ein E-Book mit 180 Seiten (PDF und EPUB) mit Checklisten, Abfragemustern und Diagrammrezepten "
               "für die tägliche Datenanalyse."),
        "fr": ("Le guide pratique de l'analyste de données",
               "Un livre numérique de 180 pages (PDF et EPUB) avec des listes de contrôle, des modèles de requêtes "
               "et des recettes de graphiques pour l'analyse de données au quotidien."),
        "es": ("La guía práctica del analista de datos",
               "Un libro electrónico de 180 páginas (PDF y EPUB) con listas de comprobación, patrones de consulta "
               "y recetas de gráficos para el análisis de datos diario."),
    },
    "variants": [{"name": "PDF + EPUB", "sku": "ACME-EBOOK-FG",
                  "download_url": f"{FILES}/ebooks/data-analyst-field-guide.zip",
                  "plans": [{"type": "one_time", "name": "E-book", "tier": 1, "prices": {"us": "24", "eu": "24", "latam": "15"}}]}],
}

COACHING = {
    "type": "service", "slug": "one-on-one-coaching", "name": "1:1 Coaching Session (60 minutes)",
    "tax": "digital-services",
    "description": ("A private 60-minute video call with one of our instructors: review your project, plan "
                    "your learning path or prepare for a job interview."),
    "tr": {
        "de": ("1:1-Coaching (60 Minuten)",
               "Ein persönlicher 60-minütiger Videocall mit einer unserer Lehrkräfte: Besprechen Sie Ihr "
               "Projekt, planen Sie Ihren Lernweg oder bereiten Sie sich auf ein Vorstellungsgespräch vor."),
        "fr": ("Séance de coaching individuel (60 minutes)",
               "Un appel vidéo privé de 60 minutes avec l'un de nos formateurs : faites relire votre projet, "
               "planifiez votre parcours d'apprentissage ou préparez un entretien d'embauche."),
        "es": ("Sesión de coaching individual (60 minutos)",
               "Una videollamada privada de 60 minutos con uno de nuestros instructores: revisa tu proyecto, "
               "planifica tu itinerario de aprendizaje o prepárate para una entrevista de trabajo."),
    },
    "variants": [{"name": "60-minute session", "sku": "ACME-COACH-60",
                  "plans": [{"type": "one_time", "name": "Single session", "tier": 1, "prices": {"us": "120", "eu": "119", "latam": "80"}}]}],
}

WORKBOOK = {
    "type": "physical", "slug": NOT_IN_LATAM_PRODUCT, "name": "Python for Data Analysis: Printed Workbook",
    "tax": "physical-goods",
    "weight_grams": 620,
    "shipping_note": "Ships within 2 working days from our warehouse in Berlin; delivery takes 3 to 5 working days.",
    "shipping_tr": {
        "de": "Versand innerhalb von 2 Werktagen aus unserem Lager in Berlin; die Lieferung dauert 3 bis 5 Werktage.",
        "fr": "Expédié sous 2 jours ouvrés depuis notre entrepôt de Berlin ; la livraison prend 3 à 5 jours ouvrés.",
        "es": "Se envía en 2 días hábiles desde nuestro almacén de Berlín; la entrega tarda de 3 a 5 días hábiles.",
    },
    "description": ("The companion workbook to the course, printed and shipped to you: 120 exercises with "
                    "worked solutions and space for notes. Not available in Latin America yet."),
    "tr": {
        "de": ("Python für die Datenanalyse: Arbeitsbuch (Druckausgabe)",
               "Das Begleitbuch zum Kurs, gedruckt und zu Ihnen nach Hause geliefert: 120 Übungen mit "
               "ausgearbeiteten Lösungen und Platz für Notizen."),
        "fr": ("Python pour l'analyse de données : cahier d'exercices imprimé",
               "Le cahier d'exercices qui accompagne le cours, imprimé et livré chez vous : 120 exercices avec "
               "leurs corrigés détaillés et de la place pour vos notes."),
        "es": ("Python para el análisis de datos: cuaderno de ejercicios impreso",
               "El cuaderno de ejercicios que acompaña al curso, impreso y enviado a tu domicilio: 120 ejercicios "
               "con soluciones detalladas y espacio para notas. Todavía no está disponible en América Latina."),
    },
    # Deliberately no latam price: the product is published but not sold in that market.
    "variants": [{"name": "Paperback", "sku": "ACME-PY-WB-PRINT", "requires_shipping": True,
                  "plans": [{"type": "one_time", "name": "Paperback", "tier": 1, "prices": {"us": "29", "eu": "32"}}]}],
}

ML_DRAFT = {
    "type": "course", "slug": DRAFT_PRODUCT, "name": "Machine Learning Foundations", "status": "draft",
    "tax": "digital-services",
    "description": "Coming soon: regression, classification and model evaluation with scikit-learn.",
    "tr": {
        "de": ("Grundlagen des maschinellen Lernens",
               "Demnächst: Regression, Klassifikation und Modellbewertung mit scikit-learn."),
        "fr": ("Les fondamentaux de l'apprentissage automatique",
               "Bientôt disponible : régression, classification et évaluation de modèles avec scikit-learn."),
        "es": ("Fundamentos del aprendizaje automático",
               "Próximamente: regresión, clasificación y evaluación de modelos con scikit-learn."),
    },
    "variants": [{"name": "Online course", "sku": "ACME-ML",
                  "plans": [{"type": "one_time", "name": "Standard", "tier": 1, "prices": {"us": "79", "eu": "79", "latam": "49"}}]}],
    "course": {
        "level": "intermediate", "difficulty": 6, "skills": ("machine-learning", "python"),
        "modules": [
            {"title": "Introduction", "sections": [{"title": "Overview", "lessons": ["ml-intro"]}]},
        ],
    },
}

CHEAT_SHEETS_ARCHIVED = {
    "type": "digital_download", "slug": ARCHIVED_PRODUCT, "name": "Data Cheat Sheets (2019 edition)",
    "status": "archived", "tax": "e-books",
    "description": "Our original printable cheat sheets, replaced by The Data Analyst's Field Guide.",
    "tr": {
        "de": ("Spickzettel für die Datenanalyse (Ausgabe 2019)",
               "Unsere ursprünglichen Spickzettel zum Ausdrucken, ersetzt durch den Praxisleitfaden für "
               "Datenanalysten."),
        "fr": ("Aide-mémoire pour l'analyse de données (édition 2019)",
               "Nos premiers aide-mémoire à imprimer, remplacés par le guide pratique de l'analyste de données."),
        "es": ("Hojas de referencia de análisis de datos (edición 2019)",
               "Nuestras primeras hojas de referencia para imprimir, sustituidas por la guía práctica del "
               "analista de datos."),
    },
    "variants": [{"name": "PDF", "sku": "ACME-CHEAT-2019", "download_url": f"{FILES}/ebooks/cheat-sheets-2019.pdf",
                  "plans": [{"type": "one_time", "name": "PDF", "tier": 1, "prices": {"us": "9", "eu": "9", "latam": "5"}}]}],
}


# Globex Institute

CRYPTO_COURSE = {
    "type": "course", "slug": "introduction-to-cryptography", "name": "Introduction to Cryptography",
    "tax": "digital-services",
    "description": ("From Caesar's cipher to public-key cryptography: how encryption and digital signatures "
                    "work and how to use them safely."),
    "variants": [{"name": "Online course", "sku": "GLX-CRYPTO", "plans": [
        {"type": "one_time", "name": "Standard", "tier": 1, "prices": {"global": "69"}},
        {"type": "subscription", "name": "Plus", "tier": 2,
         "description": "All modules, including public-key cryptography and its assignment.",
         "options": {"interval": "month", "interval_count": 1, "trial_period_days": 7},
         "prices": {"global": "19"}},
    ]}],
    "course": {
        "level": "intermediate", "difficulty": 6, "duration": 360, "skills": ("cryptography", "security"),
        "modules": [
            {"title": "Classical ciphers", "sections": [
                {"title": "Substitution ciphers", "lessons": [("caesar", 1, True), "caesar-quiz"]}]},
            {"title": "Modern symmetric cryptography", "sections": [
                {"title": "Block ciphers", "lessons": ["aes", "aes-video"]}]},
            {"title": "Public-key cryptography", "tier": 2, "sections": [
                {"title": "Keys and signatures", "lessons": ["rsa", "rsa-assignment"]}]},
        ],
    },
}

PM_COURSE = {
    "type": "course", "slug": "project-management-essentials", "name": "Project Management Essentials",
    "tax": "digital-services",
    "description": "Scope, plan and deliver projects on time, and keep everyone informed along the way.",
    "variants": [{"name": "Online course", "sku": "GLX-PM",
                  "plans": [{"type": "one_time", "name": "Standard", "tier": 1, "prices": {"global": "49"}}]}],
    "course": {
        "level": "beginner", "difficulty": 2, "duration": 240, "skills": ("project-management",),
        "modules": [
            {"title": "Project foundations", "sections": [{"title": "Scope", "lessons": [("pm-scope", 1, True)]}]},
            {"title": "Planning", "sections": [{"title": "Schedules", "lessons": ["pm-schedule", "pm-quiz"]}]},
            {"title": "Delivery", "sections": [
                {"title": "Stakeholders", "lessons": ["pm-stakeholders", "pm-template"]}]},
        ],
    },
}

CRYPTO_EBOOK = {
    "type": "digital_download", "slug": "cryptography-exercise-book", "name": "Cryptography Exercise Book",
    "tax": "e-books",
    "description": "60 pencil-and-paper exercises on classical and modern ciphers, with solutions (PDF).",
    "variants": [{"name": "PDF", "sku": "GLX-CRYPTO-BOOK",
                  "download_url": "https://files.globex.test/ebooks/cryptography-exercise-book.pdf",
                  "plans": [{"type": "one_time", "name": "E-book", "tier": 1, "prices": {"global": "15"}}]}],
}


# ---- organizations -------------------------------------------------------------------------
#
# Built in this order: the org; its employees (key, person, role: a person's job profile comes
# along) and members (person, membership type, billing country); brands, and markets (``brand``
# is a brand key); tax categories, regions (name, country, subdivision) and rates; products
# (with the employee who wrote their lessons); collections; discounts; revenue attributions;
# reviews and course ratings; gift cards; paid orders.

# Acme Academy

ACME_TAX_CATEGORIES = {
    "digital-services": ("Digital services", "Electronically supplied services such as online courses."),
    "e-books": ("E-books", "Electronic publications (reduced VAT rates in many countries)."),
    "physical-goods": ("Physical goods", "Printed and shipped products."),
}
ACME_TAX_REGIONS = {
    "US": ("United States", "US", None),
    "US-NY": ("New York", "US", "US-NY"),
    "US-CO": ("Colorado", "US", "US-CO"),
    "DE": ("Germany", "DE", None),
    "FR": ("France", "FR", None),
    "AT": ("Austria", "AT", None),
    "BE": ("Belgium", "BE", None),
    "MX": ("Mexico", "MX", None),
    "AR": ("Argentina", "AR", None),
    "CO": ("Colombia", "CO", None),
    "CL": ("Chile", "CL", None),
}
ACME_TAX_RATES = [
    # category, region, name, rate, fixed amount, currency
    ("digital-services", "US", "No sales tax", "0", None, None),
    ("digital-services", "US-NY", "New York sales tax", "0.08875", None, None),
    ("digital-services", "DE", "Umsatzsteuer 19 %", "0.19", None, None),
    ("digital-services", "FR", "TVA 20 %", "0.20", None, None),
    ("digital-services", "AT", "Umsatzsteuer 20 %", "0.20", None, None),
    ("digital-services", "BE", "TVA/BTW 21 %", "0.21", None, None),
    ("digital-services", "MX", "IVA 16 %", "0.16", None, None),
    ("digital-services", "AR", "IVA 21 %", "0.21", None, None),
    ("digital-services", "CO", "IVA 19 %", "0.19", None, None),
    ("digital-services", "CL", "IVA 19 %", "0.19", None, None),
    ("e-books", "US", "No sales tax", "0", None, None),
    ("e-books", "DE", "Umsatzsteuer 7 % (ermäßigt)", "0.07", None, None),
    ("e-books", "FR", "TVA 5,5 % (taux réduit)", "0.055", None, None),
    ("e-books", "AT", "Umsatzsteuer 10 % (ermäßigt)", "0.10", None, None),
    ("e-books", "BE", "TVA/BTW 6 % (taux réduit)", "0.06", None, None),
    ("physical-goods", "US", "No sales tax", "0", None, None),
    ("physical-goods", "US-NY", "New York sales tax", "0.08875", None, None),
    # A fixed amount per order rather than a percentage.
    ("physical-goods", "US-CO", "Colorado retail delivery fee", None, "0.29", "USD"),
    ("physical-goods", "DE", "Umsatzsteuer 19 %", "0.19", None, None),
    ("physical-goods", "FR", "TVA 20 %", "0.20", None, None),
    ("physical-goods", "AT", "Umsatzsteuer 20 %", "0.20", None, None),
    ("physical-goods", "BE", "TVA/BTW 21 %", "0.21", None, None),
    ("physical-goods", "MX", "IVA 16 %", "0.16", None, None),
]

ACME_REVIEWS = [
    (SHOWCASE_PRODUCT, "learner", 5, "Finally, pandas makes sense",
     "I had tried to learn pandas from the documentation twice. The short lessons and the tips dataset "
     "made it click. The capstone project is now in my portfolio."),
    (SHOWCASE_PRODUCT, "customer", 4, "Great pace, clear explanations",
     "Very clear and well structured. I would have liked a few more exercises on charts, but the "
     "office hours recordings helped a lot."),
    (SHOWCASE_PRODUCT, "amelie", 5, "Worth every cent",
     "Practical from the first lesson. I use groupby at work every day now."),
    ("sql-essentials", "amelie", 5, "Joins explained properly",
     "The join diagrams finally made outer joins clear to me. The window functions module is excellent."),
    ("sql-essentials", "sam", 4, "Solid introduction",
     "Good introduction to SQL with realistic examples. The AI tutor answered my questions quickly."),
    ("design-systems-in-practice", "learner", 4, "Useful for our team",
     "We started our own token set after module two. The governance module is the part most courses skip."),
    ("data-analyst-field-guide", "customer", 5, "On my desk every day",
     "The checklists for cleaning data alone are worth it."),
    ("one-on-one-coaching", "sam", 5, "Helpful and concrete",
     "Grace reviewed my project and gave me a clear plan for the next three months."),
]


ACME_COURSE_RATINGS = (  # learners' own level and difficulty ratings: (product, member, level, difficulty)
    (SHOWCASE_PRODUCT, "learner", "beginner", 3), (SHOWCASE_PRODUCT, "customer", "beginner", 4),
    (SHOWCASE_PRODUCT, "amelie", "intermediate", 4), ("sql-essentials", "amelie", "beginner", 2),
    ("design-systems-in-practice", "learner", "intermediate", 6),
)

# Paid purchases: (member, market, billing country, product slug, plan name, days ago, usage units).
ACME_ORDERS = (
    ("learner", "eu", "DE", SHOWCASE_PRODUCT, "Basic", 20, None),           # tier 1: tiers 2 and 3 locked
    ("customer", "us", "US", "sql-essentials", "AI tutor credits", 12, 64),  # usage-based, 14 above 50
    ("customer", "us", "US", "data-analyst-field-guide", "E-book", 30, None),  # a download
    ("customer", "us", "US", "one-on-one-coaching", "Single session", 5, None),  # a booking request
    ("amelie", "eu", "FR", SHOWCASE_PRODUCT, "VIP", 3, None),               # a subscription in its trial
    # earlier sales, so the creators' earnings have months to show
    ("sam", "us", "US", SHOWCASE_PRODUCT, "Basic", 150, None),
    ("sam", "us", "US", "data-analyst-field-guide", "E-book", 95, None),
    ("sam", "us", "US", "one-on-one-coaching", "Single session", 62, None),
)
# A partial money refund (member, product slug, amount in the order's currency) and a payout to a
# creator (employee key, currency, amount, method, reference), through the same services.
ACME_REFUNDS = (("sam", "one-on-one-coaching", "20.00"),)
ACME_PAYOUTS = (("grace", "USD", "50.00", "bank_transfer", "DEMO-2026-001"),)

ACME_ORG = {
    "org": {"name": "Acme Academy", "slug": ACME, "default_locale_key": "en",
            "locale_keys": ("en", "de", "fr", "es"),
            "description": "Practical online courses in data and design, taught by working professionals.",
            "platform_fee_percent": "5"},
    # One employee of each role (the creators with their public job profiles): key, person, role.
    "employees": (("admin", "admin", "admin"), ("manager", "manager", "manager"),
                  ("grace", "grace", "creator"), ("alan", "alan", "creator"), ("staff", "staff", "staff")),
    # Members: person, membership type, billing country.
    "members": (("learner", "learner", "DE"), ("customer", "customer", "MX"), ("amelie", "learner", "FR"),
                ("sam", "customer", "US")),
    "brands": {
        "academy": {"name": "Acme Academy", "slug": "acme-academy", "primary_color": "#4f46e5",
                    "description": "Acme Academy in the United States and worldwide.",
                    "tagline": "Learn data, code and design from working practitioners."},
        "europe": {"name": "Acme Europe", "slug": "acme-europe", "primary_color": "#0f766e",
                   "description": "Acme Academy for learners in the European Union.",
                   "tagline": "Courses for Europe, in your language."},
    },
    "markets": (
        {"slug": "us", "name": "United States", "type": "single_country", "currency_code": "USD",
         "default_locale_key": "en", "locale_keys": ("en",), "country_codes": ("US",), "tax_inclusive": False,
         "brand": "academy"},
        {"slug": "eu", "name": "Europe", "type": "multi_region", "currency_code": "EUR",
         "default_locale_key": "de", "locale_keys": ("de", "fr", "en"),
         "country_codes": ("DE", "FR", "AT", "BE"),
         "country_locale_overrides": {"DE": "de", "AT": "de", "FR": "fr", "BE": "fr"}, "tax_inclusive": True,
         "brand": "europe", "domains": (EU_DOMAIN,)},
        {"slug": "latam", "name": "Latin America", "type": "linguistic", "currency_code": "USD",
         "default_locale_key": "es", "locale_keys": ("es",), "country_codes": ("MX", "AR", "CO", "CL"),
         "tax_inclusive": True, "brand": "academy"},
    ),
    "tax": {"categories": ACME_TAX_CATEGORIES, "regions": ACME_TAX_REGIONS, "rates": ACME_TAX_RATES},
    # Products, each with the creator (employee key) of its lessons.
    "products": ((PYTHON_COURSE, "grace"), (SQL_COURSE, "alan"), (DESIGN_COURSE, "grace"),
                 (EBOOK, "grace"), (COACHING, "grace"), (WORKBOOK, "grace"), (ML_DRAFT, "grace"),
                 (CHEAT_SHEETS_ARCHIVED, "grace")),
    "collections": (
        {"slug": "data-skills", "name": "Data skills",
         "description": "Everything you need to work confidently with data.",
         "products": (SHOWCASE_PRODUCT, "sql-essentials", "data-analyst-field-guide", NOT_IN_LATAM_PRODUCT)},
        {"slug": "bestsellers", "name": "Bestsellers", "description": "What our learners buy most.",
         "products": (SHOWCASE_PRODUCT, "design-systems-in-practice", "one-on-one-coaching")},
    ),
    # Discounts start a year back; ``market`` is a market slug.
    "discounts": (
        {"code": "WELCOME10", "name": "Welcome: 10% off", "type": "percent", "value": "10", "market": "eu"},
        {"code": "LAUNCH5", "name": "Launch offer: $5 off", "type": "fixed", "value": "5",
         "currency_code": "USD", "market": "us", "ends_in_days": 90, "usage_limit": 500},
    ),
    # Revenue shares, set by the admin from a year back (creator 70 % + collaborator 10 % on the
    # showcase course, and so on): product, ((employee, percent, kind), ...).
    "attributions": (
        (SHOWCASE_PRODUCT, (("grace", "70", "creator"), ("alan", "10", "collaborator"))),
        ("sql-essentials", (("alan", "60", "creator"), ("grace", "10", "reviewer"))),
        ("design-systems-in-practice", (("grace", "50", "creator"), ("manager", "5", "manager"))),
        ("data-analyst-field-guide", (("grace", "80", "creator"),)),
        ("one-on-one-coaching", (("grace", "90", "creator"),)),
        (NOT_IN_LATAM_PRODUCT, (("grace", "40", "creator"),)),
        (DRAFT_PRODUCT, (("grace", "70", "creator"),)),
    ),
    "reviews": ACME_REVIEWS,
    "course_ratings": ACME_COURSE_RATINGS,
    # Gift cards, issued by the staff employee; one expired (back-dated, since the service only
    # issues cards that expire in the future) and one disabled.
    "gift_cards": (
        {"amount": "50", "currency_code": "EUR", "code": "ACME-GIFT-EU50", "expires_in_days": 365,
         "recipient_email": "learner@acme.test", "note": "Welcome gift for Lena"},
        {"amount": "25", "currency_code": "USD", "code": "ACME-GIFT-US25", "note": "Conference raffle prize"},
        {"amount": "20", "currency_code": "USD", "code": "ACME-GIFT-OLD1", "expires_in_days": 1,
         "note": "Last year's holiday promotion", "expired_days_ago": 30},
        {"amount": "30", "currency_code": "EUR", "code": "ACME-GIFT-VOID", "note": "Issued by mistake",
         "disabled": True},
    ),
    "gift_cards_issued_by": "staff",
    "orders": ACME_ORDERS,
    "refunds": ACME_REFUNDS,
    "payouts": ACME_PAYOUTS,
}


# Globex Institute

GLOBEX_ORG = {
    "org": {"name": "Globex Institute", "slug": GLOBEX, "default_locale_key": "en", "locale_keys": ("en",),
            "description": "Professional education in security and project management."},
    # The same person, with the same job profile, works for both organizations (alan).
    "employees": (("admin", "globex_admin", "admin"), ("alan", "alan", "creator")),
    "members": (("learner", "learner", None),),
    "brands": {
        "globex": {"name": "Globex Institute", "slug": "globex-institute", "primary_color": "#b45309",
                   "tagline": "Security and project management for professionals."},
    },
    "markets": (
        {"slug": "global", "name": "Global", "type": "linguistic", "currency_code": "USD",
         "default_locale_key": "en", "locale_keys": ("en",), "country_codes": ("US", "CA", "GB", "IE", "AU"),
         "tax_inclusive": False, "brand": "globex"},
    ),
    "tax": {
        "categories": {
            "digital-services": ("Digital services", "Online courses and other electronic services."),
            "e-books": ("E-books", "Electronic publications."),
        },
        "regions": {"US": ("United States", "US", None), "US-NY": ("New York", "US", "US-NY")},
        "rates": [("digital-services", "US", "No sales tax", "0", None, None),
                  ("digital-services", "US-NY", "New York sales tax", "0.08875", None, None),
                  ("e-books", "US", "No sales tax", "0", None, None)],
    },
    "products": ((CRYPTO_COURSE, "alan"), (PM_COURSE, "alan"), (CRYPTO_EBOOK, "alan")),
    "attributions": (
        ("introduction-to-cryptography", (("alan", "70", "creator"),)),
        ("cryptography-exercise-book", (("alan", "75", "creator"),)),
    ),
    "reviews": (
        ("introduction-to-cryptography", "learner", 5, "Fascinating",
         "The history of ciphers made the mathematics easy to follow."),
    ),
}

ORGS = (ACME_ORG, GLOBEX_ORG)


# ---- cover images ----------------------------------------------------------------------------

# Products that keep the designed placeholder in the demo (to show what a product without an
# uploaded image looks like); every other product gets a generated cover.
NO_COVER = ("one-on-one-coaching",)


def demo_cover(name: str, slug: str) -> bytes:
    """A 1280x720 JPEG cover for a demo product: a gradient in colours derived from the slug,
    a few circles and the product's name (uploaded through the same checks as any upload)."""
    import colorsys
    import hashlib
    import io
    import textwrap

    from PIL import Image, ImageChops, ImageDraw, ImageFont

    digest = hashlib.sha1(slug.encode()).digest()
    hue = digest[0] / 255

    def colour(h: float, light: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(h % 1, light, 0.55)
        return int(r * 255), int(g * 255), int(b * 255)

    width, height = 1280, 720
    start, end = colour(hue, 0.30), colour(hue + 0.12, 0.18)
    down = Image.linear_gradient("L").resize((width, height))
    across = Image.linear_gradient("L").rotate(90).resize((width, height))
    image = ImageChops.add(down, across, scale=2)  # a diagonal blend from top-left to bottom-right
    image = Image.composite(Image.new("RGB", (width, height), end), Image.new("RGB", (width, height), start), image)
    draw = ImageDraw.Draw(image, "RGBA")
    for i in range(4):
        x, y, r = 700 + digest[1 + i] * 2, digest[5 + i] * 2 - 100, 120 + digest[9 + i]
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255, 28 + 10 * i))
    font = ImageFont.load_default(size=76)
    lines = textwrap.wrap(name, width=22)[:3]
    top = height - 90 - 92 * len(lines)
    for n, line in enumerate(lines):
        draw.text((80, top + 92 * n), line, font=font, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


# ---- what buyers and learners read, in acme's other languages -------------------------------------
# Plan names and descriptions, variant names, collections and skills, lesson summaries and quiz
# questions (prompt, choice texts in order (None: the choice reads the same), explanation).

PLAN_TR: dict[tuple[str, str], dict[str, tuple[str, str | None]]] = {
    (SHOWCASE_PRODUCT, "Basic"): {
        "de": ("Basis", "Lebenslanger Zugang zu den Kernlektionen."),
        "fr": ("Essentiel", "Accès à vie aux leçons principales."),
        "es": ("Básico", "Acceso de por vida a las lecciones principales."),
    },
    (SHOWCASE_PRODUCT, "Premium"): {
        "de": ("Premium", "Alles aus Basis plus die Module zur Datenbereinigung und Analyse mit Aufgaben."),
        "fr": ("Premium", "Tout l'Essentiel, plus les modules de nettoyage et d'analyse des données avec devoirs."),
        "es": ("Premium", "Todo lo del plan Básico más los módulos de limpieza y análisis de datos con tareas."),
    },
    (SHOWCASE_PRODUCT, "VIP"): {
        "de": ("VIP", "Alle Lektionen, das Abschlussprojekt mit persönlicher Rückmeldung und aufgezeichnete "
                      "Sprechstunden."),
        "fr": ("VIP", "Toutes les leçons, le projet final avec un retour personnalisé et les permanences "
                      "enregistrées."),
        "es": ("VIP", "Todas las lecciones, el proyecto final con revisión personal y las tutorías grabadas."),
    },
    ("sql-essentials", "Standard"): {
        "de": ("Standard", "Lebenslanger Zugang zu den Modulen Abfragen, Joins und Aggregation."),
        "fr": ("Standard", "Accès à vie aux modules requêtes, jointures et agrégation."),
        "es": ("Estándar", "Acceso de por vida a los módulos de consultas, combinaciones y agregación."),
    },
    ("sql-essentials", "Pro (yearly)"): {
        "de": ("Pro (jährlich)", "Alle Lektionen einschließlich Fensterfunktionen, mit bewerteten Aufgaben."),
        "fr": ("Pro (annuel)", "Toutes les leçons, fonctions de fenêtrage comprises, avec des devoirs notés."),
        "es": ("Pro (anual)", "Todas las lecciones, incluidas las funciones de ventana, con tareas calificadas."),
    },
    ("sql-essentials", "AI tutor credits"): {
        "de": ("KI-Tutor-Guthaben", "Kurszugang mit 50 Fragen an den KI-Tutor inklusive; jede weitere Frage "
                                    "wird einzeln berechnet."),
        "fr": ("Crédits tuteur IA", "Accès au cours avec 50 questions au tuteur IA incluses ; les questions "
                                    "suivantes sont facturées à l'unité."),
        "es": ("Créditos de tutor IA", "Acceso al curso con 50 preguntas al tutor IA incluidas; las preguntas "
                                       "adicionales se cobran por pregunta."),
    },
    ("design-systems-in-practice", "Essentials"): {
        "de": ("Grundlagen", None), "fr": ("Fondamentaux", None), "es": ("Fundamentos", None),
    },
    ("design-systems-in-practice", "Complete"): {
        "de": ("Komplett", None), "fr": ("Complet", None), "es": ("Completo", None),
    },
    ("design-systems-in-practice", "Mentorship"): {
        "de": ("Mentoring", "Alle Lektionen plus eine monatliche Gruppenbesprechung mit der Kursleitung."),
        "fr": ("Mentorat", "Toutes les leçons, plus une revue collective mensuelle avec l'instructrice."),
        "es": ("Mentoría", "Todas las lecciones y una revisión grupal mensual con la instructora."),
    },
    ("data-analyst-field-guide", "E-book"): {
        "de": ("E-Book", None), "fr": ("Livre numérique", None), "es": ("Libro electrónico", None),
    },
    ("one-on-one-coaching", "Single session"): {
        "de": ("Einzelsitzung", None), "fr": ("Séance individuelle", None), "es": ("Sesión individual", None),
    },
    (NOT_IN_LATAM_PRODUCT, "Paperback"): {
        "de": ("Taschenbuch", None), "fr": ("Broché", None), "es": ("Tapa blanda", None),
    },
    (DRAFT_PRODUCT, "Standard"): {
        "de": ("Standard", None), "fr": ("Standard", None), "es": ("Estándar", None),
    },
}

VARIANT_TR: dict[tuple[str, str], dict[str, str]] = {
    (SHOWCASE_PRODUCT, "Online course"): {"de": "Onlinekurs", "fr": "Cours en ligne", "es": "Curso en línea"},
    ("sql-essentials", "Online course"): {"de": "Onlinekurs", "fr": "Cours en ligne", "es": "Curso en línea"},
    ("design-systems-in-practice", "Self-paced"): {"de": "Im eigenen Tempo", "fr": "À votre rythme",
                                                   "es": "A tu ritmo"},
    ("design-systems-in-practice", "Mentored cohort"): {"de": "Gruppe mit Mentoring", "fr": "Promotion avec mentorat",
                                                        "es": "Grupo con mentoría"},
    ("data-analyst-field-guide", "PDF + EPUB"): {"de": "PDF + EPUB", "fr": "PDF + EPUB", "es": "PDF + EPUB"},
    ("one-on-one-coaching", "60-minute session"): {"de": "Sitzung (60 Minuten)", "fr": "Séance de 60 minutes",
                                                   "es": "Sesión de 60 minutos"},
    (NOT_IN_LATAM_PRODUCT, "Paperback"): {"de": "Taschenbuch", "fr": "Broché", "es": "Tapa blanda"},
}

COLLECTION_TR: dict[str, dict[str, tuple[str, str]]] = {
    "data-skills": {
        "de": ("Datenkompetenz", "Alles, was Sie brauchen, um sicher mit Daten zu arbeiten."),
        "fr": ("Compétences en données", "Tout ce qu'il faut pour travailler sereinement avec les données."),
        "es": ("Habilidades de datos", "Todo lo que necesitas para trabajar con datos con confianza."),
    },
    "bestsellers": {
        "de": ("Bestseller", "Was unsere Lernenden am häufigsten kaufen."),
        "fr": ("Meilleures ventes", "Ce que nos apprenants achètent le plus."),
        "es": ("Más vendidos", "Lo que más compran nuestros estudiantes."),
    },
}

SKILL_TR: dict[str, dict[str, str]] = {
    "data-science": {"de": "Data Science", "fr": "Science des données", "es": "Ciencia de datos"},
    "python": {"de": "Python", "fr": "Python", "es": "Python"},
    "data-analysis": {"de": "Datenanalyse", "fr": "Analyse de données", "es": "Análisis de datos"},
    "sql": {"de": "SQL", "fr": "SQL", "es": "SQL"},
    "machine-learning": {"de": "Maschinelles Lernen", "fr": "Apprentissage automatique",
                         "es": "Aprendizaje automático"},
    "design": {"de": "Design", "fr": "Design", "es": "Diseño"},
    "design-systems": {"de": "Designsysteme", "fr": "Systèmes de design", "es": "Sistemas de diseño"},
    "marketing": {"de": "Marketing", "fr": "Marketing", "es": "Marketing"},
    "security": {"de": "IT-Sicherheit", "fr": "Sécurité", "es": "Seguridad"},
    "cryptography": {"de": "Kryptografie", "fr": "Cryptographie", "es": "Criptografía"},
    "project-management": {"de": "Projektmanagement", "fr": "Gestion de projet", "es": "Gestión de proyectos"},
}

LESSON_DESCRIPTION_TR: dict[str, dict[str, str]] = {
    "why-python": {
        "de": "Was Python für die Arbeit mit Daten bietet und was Sie in diesem Kurs bauen.",
        "fr": "Ce que Python apporte au travail sur les données et ce que vous construirez dans ce cours.",
        "es": "Lo que Python ofrece para trabajar con datos y lo que construirás en este curso.",
    },
    "setup-jupyter": {
        "de": "Python installieren, eine virtuelle Umgebung anlegen und das erste Notebook starten.",
        "fr": "Installer Python, créer un environnement virtuel et lancer votre premier notebook.",
        "es": "Instala Python, crea un entorno virtual y abre tu primer cuaderno.",
    },
    "load-csv": {
        "de": "read_csv, Spaltentypen und ein erster Blick mit head() und info().",
        "fr": "read_csv, types de colonnes et un premier aperçu avec head() et info().",
        "es": "read_csv, tipos de columnas y un primer vistazo con head() e info().",
    },
    "tips-dataset": {
        "de": "244 Restaurantrechnungen mit Trinkgeld, im ganzen Kurs verwendet.",
        "fr": "244 additions de restaurant avec pourboire, utilisées tout au long du cours.",
        "es": "244 cuentas de restaurante con propina, usadas a lo largo del curso.",
    },
}

QUESTION_TR: dict[str, list[dict[str, tuple[str, list[str | None], str | None]]]] = {
    "python-basics-quiz": [
        {"de": ("Welchen Datentyp verwenden Sie, um einen Preis über den Produktnamen nachzuschlagen?",
                ["Eine Liste", "Ein Dictionary", "Ein Tupel", "Einen String"],
                "Ein Dictionary ordnet Schlüsseln (dem Produktnamen) Werte (den Preis) zu."),
         "fr": ("Quel type de données utiliseriez-vous pour retrouver un prix à partir du nom du produit ?",
                ["Une liste", "Un dictionnaire", "Un tuple", "Une chaîne"],
                "Un dictionnaire associe des clés (le nom du produit) à des valeurs (le prix)."),
         "es": ("¿Qué tipo de datos usarías para buscar un precio por el nombre del producto?",
                ["Una lista", "Un diccionario", "Una tupla", "Una cadena"],
                "Un diccionario asocia claves (el nombre del producto) con valores (el precio).")},
        {"de": ("Welche dieser Ausdrücke erzeugen eine leere Liste?", [None, None, None, None],
                "{} erzeugt ein leeres Dictionary und () ein leeres Tupel."),
         "fr": ("Lesquelles de ces expressions créent une liste vide ?", [None, None, None, None],
                "{} crée un dictionnaire vide et () un tuple vide."),
         "es": ("¿Cuáles de estas expresiones crean una lista vacía?", [None, None, None, None],
                "{} crea un diccionario vacío y () una tupla vacía.")},
        {"de": ("Was gibt len([3, 1, 4]) zurück?", [None, None, None, "Einen Fehler"],
                "len() zählt die Elemente der Liste."),
         "fr": ("Que renvoie len([3, 1, 4]) ?", [None, None, None, "Une erreur"],
                "len() compte les éléments de la liste."),
         "es": ("¿Qué devuelve len([3, 1, 4])?", [None, None, None, "Un error"],
                "len() cuenta los elementos de la lista.")},
    ],
    "groupby-quiz": [
        {"de": ('Was gibt tips.groupby("day")["tip"].mean() zurück?',
                ["Das durchschnittliche Trinkgeld pro Tag", "Die Summe aller Trinkgelder",
                 "Die Anzahl der Rechnungen pro Tag"],
                "mean() wird auf die Trinkgelder jedes Tages einzeln angewendet."),
         "fr": ('Que renvoie tips.groupby("day")["tip"].mean() ?',
                ["Le pourboire moyen de chaque jour", "Le total de tous les pourboires",
                 "Le nombre d'additions par jour"],
                "mean() est appliqué séparément aux pourboires de chaque jour."),
         "es": ('¿Qué devuelve tips.groupby("day")["tip"].mean()?',
                ["La propina media de cada día", "La suma de todas las propinas", "El número de cuentas por día"],
                "mean() se aplica por separado a las propinas de cada día.")},
        {"de": ("Was davon können Sie an .agg() übergeben?", [None, None, None, None],
                "sort ist keine Aggregation: Verwenden Sie sort_values() auf dem Ergebnis."),
         "fr": ("Que pouvez-vous passer à .agg() ?", [None, None, None, None],
                "sort n'est pas une agrégation : utilisez sort_values() sur le résultat."),
         "es": ("¿Qué puedes pasar a .agg()?", [None, None, None, None],
                "sort no es una agregación: usa sort_values() sobre el resultado.")},
    ],
    "select-quiz": [
        {"de": ("Welche Klausel filtert Zeilen?", [None, None, None], None),
         "fr": ("Quelle clause filtre les lignes ?", [None, None, None], None),
         "es": ("¿Qué cláusula filtra filas?", [None, None, None], None)},
        {"de": ("Welche dieser Abfragen liefern nur deutsche Kunden?", [None, None, None],
                "IN mit einem einzigen Wert ist dasselbe wie =."),
         "fr": ("Lesquelles de ces requêtes ne renvoient que les clients allemands ?", [None, None, None],
                "IN avec une seule valeur équivaut à =."),
         "es": ("¿Cuáles de estas consultas devuelven solo clientes alemanes?", [None, None, None],
                "IN con un solo valor equivale a =.")},
    ],
    "group-by-quiz": [
        {"de": ("Welche Klausel filtert Gruppen nach der Aggregation?", [None, None, None], None),
         "fr": ("Quelle clause filtre les groupes après l'agrégation ?", [None, None, None], None),
         "es": ("¿Qué cláusula filtra los grupos después de la agregación?", [None, None, None], None)},
        {"de": ("Welche sind Aggregatfunktionen?", [None, None, None], "UPPER wirkt auf einzelne Werte."),
         "fr": ("Lesquelles sont des fonctions d'agrégation ?", [None, None, None],
                "UPPER agit sur des valeurs individuelles."),
         "es": ("¿Cuáles son funciones de agregación?", [None, None, None], "UPPER actúa sobre valores individuales.")},
    ],
    "components-quiz": [
        {"de": ("Welcher Token-Name übersteht ein Rebranding am besten?", [None, None, None],
                "Zweckbezogene Namen ändern sich nicht, wenn sich die Werte ändern."),
         "fr": ("Quel nom de token résiste le mieux à un changement d'identité visuelle ?", [None, None, None],
                "Les noms fondés sur l'usage ne changent pas quand les valeurs changent."),
         "es": ("¿Qué nombre de token resiste mejor un cambio de marca?", [None, None, None],
                "Los nombres basados en el propósito no cambian cuando cambian los valores.")},
        {"de": ("Was gehört in ein Designsystem?",
                ["Design-Tokens", "Wiederverwendbare Komponenten", "Nutzungsdokumentation",
                 "Die Verkaufszahlen des letzten Quartals"], None),
         "fr": ("Qu'est-ce qui a sa place dans un système de design ?",
                ["Des design tokens", "Des composants réutilisables", "Une documentation d'usage",
                 "Les chiffres de vente du dernier trimestre"], None),
         "es": ("¿Qué forma parte de un sistema de diseño?",
                ["Tokens de diseño", "Componentes reutilizables", "Documentación de uso",
                 "Las cifras de ventas del último trimestre"], None)},
    ],
}

"""Books: the API under /api/v1 (API.md, Books): accounts, journals, expenses, the
reconciliation."""

from flask_login import current_user
from flask_smorest import Blueprint

from books import manual, schemas
from books.reconcile import check as run_check
from mart.auth import roles_required
from mart.extensions import db

blp = Blueprint("books_api", __name__, description="The cooperative's books")


@blp.route("/books/accounts", methods=["GET"])
@roles_required("manager")
@blp.arguments(schemas.AccountArgs, location="query")
@blp.response(200, schemas.AccountListOut)
def list_accounts(args):
    """The chart of accounts with each balance on its normal side."""
    items = manual.accounts_with_balances(args.get("as_of"))
    return {"items": items, "total": len(items)}


@blp.route("/books/accounts", methods=["POST"])
@roles_required("admin")
@blp.arguments(schemas.AccountCreateIn)
@blp.response(201, schemas.AccountOut)
def create_account(data):
    """Add an account (admin); a duplicate code 409."""
    account = manual.add_account(data)
    db.session.commit()
    return {**_account(account), "balance": 0}


@blp.route("/books/accounts/<code>/close", methods=["POST"])
@roles_required("admin")
@blp.response(200, schemas.AccountOut)
def close_account(code):
    """Close an account (never deleted); one events post to, or with a balance, 409."""
    account = manual.close_account(code)
    db.session.commit()
    return {**_account(account), "balance": 0}


def _account(account):
    return {
        "code": account.code,
        "name": account.name,
        "type": account.type,
        "role": account.role,
        "closed": account.closed,
    }


@blp.route("/books/journals", methods=["GET"])
@roles_required("manager")
@blp.arguments(schemas.JournalArgs, location="query")
@blp.response(200, schemas.JournalPageOut)
def list_journals(args):
    """Journals, newest first, with their source (null for manual entries)."""
    return manual.journals(**args)


@blp.route("/books/journals", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.JournalIn)
@blp.response(201, schemas.JournalOut)
def create_journal(data):
    """A manual entry. Unbalanced or an unknown account 422; a closed year 409."""
    journal_id = manual.manual_entry(data, current_user)
    db.session.commit()
    return manual.journal_dicts([journal_id])[0]


@blp.route("/books/expenses", methods=["POST"])
@roles_required("manager")
@blp.arguments(schemas.ExpenseIn)
@blp.response(201, schemas.JournalOut)
def create_expense(data):
    """An expense (wages, rent, electricity, depreciation, bank charges, other) or a
    supplier paid, from kas or bank."""
    journal_id = manual.expense(data, current_user)
    db.session.commit()
    return manual.journal_dicts([journal_id])[0]


@blp.route("/books/check", methods=["GET"])
@roles_required("manager")
@blp.response(200, schemas.CheckOut)
def check():
    """The reconciliation of the books with the ledgers (as ``flask books check``)."""
    result = run_check()
    return {
        "ok": result.ok,
        "lines": [{**line.__dict__, "difference": line.difference} for line in result.lines],
        "differences": result.differences(),
        "warnings": result.warnings,
        "drawers": result.drawers,
        "safe": result.safe,
    }

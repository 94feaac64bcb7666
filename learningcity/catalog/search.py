"""The search engine of the catalog: Chinese and English words in, ranked documents out.

Text is segmented by jieba (`cut_for_search`, which keeps both a compound such as 智能手机 and
its parts 智能, 手机) into lower-case tokens separated by spaces, stored on SearchDocument.
The database indexes those tokens as they are, with no parser of its own in between:

* SQLite: an FTS5 table (`unicode61`, which splits on the spaces) kept in step with
  catalog_searchdocument by triggers; matched with MATCH and ranked by bm25(), the title
  weighing ten times the body.
* PostgreSQL: generated tsvector columns built with array_to_tsvector (no text-search parser,
  whose treatment of Chinese depends on the server's locale) and a GIN index; matched with
  @@ and ranked by ts_rank, a title match first.

A query is segmented the same way and rebuilt from plain tokens only, so quotes, `*`, AND,
NEAR, parentheses or a minus sign in it are just characters: a query cannot be malformed.
Every token must match (English words of three letters or more as prefixes: "photo" finds
photography); a Chinese compound also matches a document that has all of its parts.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Choices, FloatField, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.utils import translation

from learningcity.catalog.choices import Category, DocumentKind, Mode, ResourceKind
from learningcity.catalog.models import Class, Course, Resource, SearchDocument
from learningcity.network.models import Area

FTS_TABLE = "catalog_searchdocument_fts"
DOCUMENT_TABLE = "catalog_searchdocument"
TITLE_WEIGHT = 10.0
MAX_QUERY_TERMS = 12
MAX_QUERY_LENGTH = 200
MIN_PREFIX_LENGTH = 3
# Longer "words" are noise (a pasted link, a run of letters), and PostgreSQL refuses lexemes
# over 2 KB.
MAX_TOKEN_LENGTH = 60

# Words jieba's general dictionary splits or lacks, which the catalog needs whole. Changing
# this list changes segmentation: run `learningcity search-reindex` afterwards.
CATALOG_WORDS = (
    "沪语",
    "太极拳",
    "八段锦",
    "智能手机",
    "短视频",
    "防诈骗",
    "养老护理",
    "育婴师",
    "普通话",
    "广场舞",
    "非遗",
)

# Function words that would make an otherwise good query match nothing, since every token of
# a query must be found. They are still indexed, and kept if a query has nothing else.
STOP_WORDS = frozenset(
    {
        "a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with",
        "的", "了", "和", "与", "及", "或", "在", "是", "也", "都", "我", "想", "要", "学",
    }
)  # fmt: skip

_WORD = re.compile(r"[^\W_]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")

_jieba_lock = threading.Lock()
_jieba: Any = None


def segmenter() -> Any:
    """jieba, its dictionary loaded (about a second) once per process, on first use."""
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                for word in CATALOG_WORDS:
                    jieba.add_word(word)
                _jieba = jieba
    return _jieba


def normalize(text: str) -> str:
    """Full-width letters and digits to plain ones, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


@functools.lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    words: list[str] = []
    for piece in segmenter().cut_for_search(normalize(text)):
        words.extend(_WORD.findall(piece))
    return tuple(words)


def index_text(*texts: str) -> str:
    """The tokens of `texts` as the index stores them: lower case, separated by one space."""
    return " ".join(
        token for text in texts if text for token in _tokens(text) if len(token) <= MAX_TOKEN_LENGTH
    )


# --- Documents ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _labels(choices: type[Choices], value: str) -> tuple[str, str]:
    """A choice's label in Chinese and in English, both searchable."""
    labels = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            labels.append(str(choices(value).label) if value in choices.values else "")
    return labels[0], labels[1]


def district_code(area_path: str) -> str:
    """The district of an area, from its path ("310000/310101/310101001/" → "310101")."""
    parts = area_path.split("/")
    return parts[1] if len(parts) > 2 else ""


def course_document(course: Course) -> SearchDocument:
    """The unsaved document of a course (its provider loaded)."""
    provider = course.provider
    return SearchDocument(
        kind=DocumentKind.COURSE,
        course=course,
        provider_id=course.provider_id,
        category=course.category,
        mode=course.mode,
        audience=course.audience,
        fee=course.fee,
        title_tokens=index_text(course.title_zh, course.title_en),
        body_tokens=index_text(
            course.description_zh,
            course.description_en,
            provider.name_zh,
            provider.name_en,
            *_labels(Category, course.category),
        ),
    )


def class_document(klass: Class, *, district_id: int | None) -> SearchDocument:
    """The unsaved document of a class (course, provider, site and its area loaded): the
    course's words, and where and by whom it is taught."""
    course = klass.course
    document = course_document(course)
    document.kind = DocumentKind.CLASS
    document.klass = klass
    document.district_id = district_id
    site = klass.site
    where = (
        (site.name_zh, site.name_en, site.address_zh, site.area.name_zh, site.area.name_en)
        if site is not None
        else ()
    )
    document.body_tokens = " ".join(
        part for part in (document.body_tokens, index_text(*where, klass.teacher)) if part
    )
    return document


def resource_document(resource: Resource) -> SearchDocument:
    provider = resource.provider
    return SearchDocument(
        kind=DocumentKind.RESOURCE,
        resource=resource,
        provider_id=resource.provider_id,
        category=resource.category,
        mode=Mode.ONLINE,
        fee=Decimal("0.00"),
        title_tokens=index_text(resource.title_zh, resource.title_en),
        body_tokens=index_text(
            resource.description_zh,
            resource.description_en,
            provider.name_zh,
            provider.name_en,
            *_labels(Category, resource.category),
            *_labels(ResourceKind, resource.kind),
        ),
    )


@dataclass(frozen=True)
class QueryTerm:
    """One word of a query. A Chinese compound also matches a document holding all its
    `parts`; a word without Chinese characters matches as a prefix."""

    word: str
    parts: tuple[str, ...] = ()
    prefix: bool = False


def parse_query(query: str) -> list[QueryTerm]:
    """The plain words of a user's query; nothing else of it survives."""
    jieba = segmenter()
    words: list[str] = []
    for piece in jieba.cut(normalize(query[:MAX_QUERY_LENGTH])):
        words.extend(_WORD.findall(piece))
    meaningful = [w for w in words if w not in STOP_WORDS] or words
    terms: list[QueryTerm] = []
    seen: set[str] = set()
    for word in meaningful:
        if word in seen:
            continue
        seen.add(word)
        if _HAN.search(word):
            parts = tuple(
                dict.fromkeys(
                    p
                    for s in jieba.cut_for_search(word)
                    for p in _WORD.findall(s)
                    if p != word and len(p) > 1
                )
            )
            terms.append(QueryTerm(word, parts=parts if len(parts) > 1 else ()))
        else:
            # "photo" finds photography; "ai" must not find "aid".
            terms.append(QueryTerm(word, prefix=len(word) >= MIN_PREFIX_LENGTH))
        if len(terms) == MAX_QUERY_TERMS:
            break
    return terms


def fts5_expression(terms: list[QueryTerm]) -> str:
    """An FTS5 MATCH expression; every token quoted, so none is read as an operator."""

    def quoted(word: str) -> str:
        return '"' + word.replace('"', '""') + '"'

    def one(term: QueryTerm) -> str:
        text = quoted(term.word) + ("*" if term.prefix else "")
        if term.parts:
            text = f"({text} OR ({' AND '.join(quoted(p) for p in term.parts)}))"
        return text

    return " AND ".join(one(t) for t in terms)


def tsquery_expression(terms: list[QueryTerm]) -> str:
    """A tsquery literal of quoted lexemes, read as they are (cast, not parsed)."""

    def lexeme(word: str) -> str:
        return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"

    def one(term: QueryTerm) -> str:
        text = lexeme(term.word) + (":*" if term.prefix else "")
        if term.parts:
            text = f"({text} | ({' & '.join(lexeme(p) for p in term.parts)}))"
        return text

    return " & ".join(one(t) for t in terms)


# The SQL is built from constants only; a user's words reach the database as a parameter.
_PG_MATCH = f"SELECT id FROM {DOCUMENT_TABLE} WHERE search_vector @@ %s::tsquery"  # noqa: S608
_PG_RANK = (
    f"ts_rank({DOCUMENT_TABLE}.search_vector, %s::tsquery)"
    f" + CASE WHEN {DOCUMENT_TABLE}.title_vector @@ %s::tsquery THEN 1.0 ELSE 0.0 END"
)
_FTS5_MATCH = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608
_FTS5_RANK = (
    f"SELECT -bm25({FTS_TABLE}, {TITLE_WEIGHT}, 1.0) FROM {FTS_TABLE}"  # noqa: S608
    f" WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = {DOCUMENT_TABLE}.id"
)


def _vendor(qs: QuerySet[Any]) -> str:
    return connections[qs.db].vendor


def matching(qs: QuerySet[Any], terms: list[QueryTerm]) -> QuerySet[Any]:
    """The documents of `qs` that hold every term; none when the query had no words."""
    if not terms:
        return qs.none()
    if _vendor(qs) == "postgresql":
        return qs.filter(id__in=RawSQL(_PG_MATCH, [tsquery_expression(terms)]))  # noqa: S611
    return qs.filter(id__in=RawSQL(_FTS5_MATCH, [fts5_expression(terms)]))  # noqa: S611


def ranked(qs: QuerySet[Any], terms: list[QueryTerm]) -> QuerySet[Any]:
    """`qs` annotated with `rank`, higher for a better match. Only for a final, outermost
    query: the expression names the document table itself."""
    if not terms:
        return qs.annotate(rank=Value(0.0, output_field=FloatField()))
    if _vendor(qs) == "postgresql":
        query = tsquery_expression(terms)
        rank = RawSQL(_PG_RANK, [query, query], output_field=FloatField())  # noqa: S611
    else:
        rank = RawSQL(_FTS5_RANK, [fts5_expression(terms)], output_field=FloatField())  # noqa: S611
    return qs.annotate(rank=rank)


# --- Keeping the index in step --------------------------------------------------------------
#
# The documents are the index's own storage: only these functions write them, always inside
# the transaction of the catalog service that changed what they describe.

_CLASS_RELATED = ("course__provider", "site__area")
_CHUNK = 500


def _district_ids(paths: Iterable[str]) -> dict[str, int]:
    codes = {district_code(p) for p in paths} - {""}
    if not codes:
        return {}
    return dict(Area.objects.filter(code__in=codes).values_list("code", "pk"))


def _class_documents(classes: list[Class]) -> list[SearchDocument]:
    districts = _district_ids(k.site.area.path for k in classes if k.site is not None)
    return [
        class_document(
            k,
            district_id=(
                districts.get(district_code(k.site.area.path)) if k.site is not None else None
            ),
        )
        for k in classes
    ]


def index_course(course: Course) -> None:
    """Rewrite the documents of a course and of all its classes."""
    course = Course.objects.select_related("provider").get(pk=course.pk)
    classes = list(Class.objects.filter(course=course).select_related(*_CLASS_RELATED))
    SearchDocument.objects.filter(course=course).delete()
    SearchDocument.objects.bulk_create([course_document(course), *_class_documents(classes)])


def index_class(klass: Class) -> None:
    klass = Class.objects.select_related(*_CLASS_RELATED).get(pk=klass.pk)
    SearchDocument.objects.filter(klass=klass).delete()
    SearchDocument.objects.bulk_create(_class_documents([klass]))


def index_resource(resource: Resource) -> None:
    resource = Resource.objects.select_related("provider").get(pk=resource.pk)
    SearchDocument.objects.filter(resource=resource).delete()
    SearchDocument.objects.bulk_create([resource_document(resource)])


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def index_bulk(
    *,
    courses: Iterable[Course] = (),
    classes: Iterable[Class] = (),
    resources: Iterable[Resource] = (),
) -> int:
    """Add the documents of newly created rows (none of them indexed yet); returns how many."""
    written = 0
    for ids in _chunks([c.pk for c in courses]):
        batch = [
            course_document(c) for c in Course.objects.filter(pk__in=ids).select_related("provider")
        ]
        written += len(SearchDocument.objects.bulk_create(batch))
    for ids in _chunks([k.pk for k in classes]):
        found = list(Class.objects.filter(pk__in=ids).select_related(*_CLASS_RELATED))
        written += len(SearchDocument.objects.bulk_create(_class_documents(found)))
    for ids in _chunks([r.pk for r in resources]):
        batch = [
            resource_document(r)
            for r in Resource.objects.filter(pk__in=ids).select_related("provider")
        ]
        written += len(SearchDocument.objects.bulk_create(batch))
    return written


def reindex_all() -> int:
    """Drop every document and index the whole catalog again; returns how many."""
    SearchDocument.objects.all().delete()
    return index_bulk(
        courses=Course.objects.only("pk").order_by("pk"),
        classes=Class.objects.only("pk").order_by("pk"),
        resources=Resource.objects.only("pk").order_by("pk"),
    )

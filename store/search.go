package store

// Search. On SQLite the index is an FTS4 table, article_search, kept in
// step with articles by the store in the same transaction as each write.
// FTS4 rather than FTS5 because mattn/go-sqlite3 compiles FTS3/4 in by
// default but FTS5 only with the sqlite_fts5 build tag: a binary built
// with a plain `go build` or `go test` would fail on the first query (or,
// worse, on a database a tagged build had created). FTS4 has no built-in
// ranking, so rank() below scores its matchinfo() in Go. The table's
// languageid column holds the help center id, which partitions the index
// per tenant: a query reads only its own help center's postings.
//
// On PostgreSQL the same search is to_tsvector/ts_rank over title
// (weight A) and body text (weight B), served by the GIN expression index
// of migration 4, with ts_headline for the snippet.

import (
	"context"
	"encoding/binary"
	"math"
	"sort"
	"strings"
	"unicode"

	"gorm.io/gorm"

	"helpcenter/models"
)

// Snippet markers: control characters no article text contains, so a
// snippet can be split into plain text and hits and escaped by the view,
// instead of trusting highlight markup produced by the database.
const (
	hitStart = "\x01"
	hitEnd   = "\x02"
)

// maxSearchTerms bounds the work one query can ask for.
const maxSearchTerms = 8

// searchTerms splits a visitor's query into lower-case words of letters
// and digits. Everything else (quotes, *, parentheses, AND/OR/NOT/NEAR as
// operators, column filters) is dropped or made a plain word, so no query
// can be a syntax error or reach the search engine's query language.
func searchTerms(q string) []string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	var terms []string
	seen := map[string]bool{}
	for _, w := range words {
		if len(w) > 64 || seen[w] {
			continue
		}
		seen[w] = true
		terms = append(terms, w)
		if len(terms) == maxSearchTerms {
			break
		}
	}
	return terms
}

// searchRow is one match as the database returns it.
type searchRow struct {
	models.Article
	CategoryName string
	Snippet      string
	Info         []byte  // SQLite: matchinfo(…, 'pcnx')
	Score        float64 // PostgreSQL: ts_rank
}

// SearchArticles finds the articles a visitor with role may read whose
// title or body contain every word of query (each word also as a prefix:
// "pass" finds "password"), best first, at most limit of them. A query
// without any word finds nothing.
func (s *Store) SearchArticles(ctx context.Context, helpCenterID int64, v models.Viewer, query string, limit int) ([]models.SearchResult, error) {
	terms := searchTerms(query)
	if len(terms) == 0 {
		return nil, nil
	}
	var rows []searchRow
	var err error
	if !s.d.searchTable {
		rows, err = s.searchPostgres(ctx, helpCenterID, v, terms, limit)
	} else {
		rows, err = s.searchSQLite(ctx, helpCenterID, v, terms, limit)
	}
	if err != nil {
		return nil, err
	}
	sortRows(rows)
	if len(rows) > limit {
		rows = rows[:limit]
	}
	out := make([]models.SearchResult, len(rows))
	for i, r := range rows {
		out[i] = models.SearchResult{Article: r.Article, CategoryName: r.CategoryName, Snippet: fragments(r.Snippet)}
	}
	return out, nil
}

func (s *Store) searchSQLite(ctx context.Context, helpCenterID int64, v models.Viewer, terms []string, limit int) ([]searchRow, error) {
	// Each term is quoted with a trailing * inside the quotes (a prefix
	// phrase); terms hold only letters and digits, so nothing needs
	// escaping, and lower case keeps "and"/"or" from being operators.
	match := make([]string, len(terms))
	for i, t := range terms {
		match[i] = `"` + t + `*"`
	}
	query := strings.Join(match, " ")
	// First every visible match with its ranking data only, then the
	// snippets of the best limit: a snippet costs far more than a rank,
	// and a common word matches a thousand articles for a page of fifty.
	// CROSS JOIN keeps the full-text match as the outer loop: SQLite would
	// otherwise walk the help center's articles and run the match once for
	// each (900 ms over 10 000 articles, against a few ms).
	cond, condArgs := articleVisible("a", helpCenterID, v)
	var ranked []searchRow
	err := s.read(ctx).Raw(`SELECT a.id, a.title, matchinfo(article_search, 'pcnx') AS info
		FROM article_search
		CROSS JOIN articles a ON a.id = article_search.docid
		WHERE article_search MATCH ? AND article_search.help_center_id = ? AND `+cond,
		append([]any{query, helpCenterID}, condArgs...)...).Scan(&ranked).Error
	if err != nil || len(ranked) == 0 {
		return nil, err
	}
	for i := range ranked {
		ranked[i].Score = rank(ranked[i].Info)
	}
	sortRows(ranked)
	if len(ranked) > limit {
		ranked = ranked[:limit]
	}
	ids := make([]int64, len(ranked))
	for i, r := range ranked {
		ids[i] = r.ID
	}
	var rows []searchRow
	err = s.read(ctx).Raw(`SELECT a.*, COALESCE(c.name, '') AS category_name,
			snippet(article_search, ?, ?, '…', 1, 24) AS snippet
		FROM article_search
		CROSS JOIN articles a ON a.id = article_search.docid
		LEFT JOIN categories c ON c.id = a.category_id
		WHERE article_search MATCH ? AND article_search.help_center_id = ? AND a.id IN ?`,
		hitStart, hitEnd, query, helpCenterID, ids).Scan(&rows).Error
	score := make(map[int64]float64, len(ranked))
	for _, r := range ranked {
		score[r.ID] = r.Score
	}
	for i := range rows {
		rows[i].Score = score[rows[i].ID]
	}
	return rows, err
}

// sortRows orders matches best first, then by title.
func sortRows(rows []searchRow) {
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Score != rows[j].Score {
			return rows[i].Score > rows[j].Score
		}
		return rows[i].Title < rows[j].Title
	})
}

// columnWeights make a word in the title count for more than one in the
// body (FTS4 columns: title, body).
var columnWeights = []float64{4, 1}

// rank scores an FTS4 matchinfo 'pcnx' blob: for every term and column, a
// saturating term frequency (the third mention adds less than the first)
// times the term's rarity, weighted by column — BM25 without the length
// normalisation, which help-center articles do not need.
func rank(info []byte) float64 {
	if len(info)%4 != 0 || len(info) < 12 {
		return 0
	}
	v := make([]float64, len(info)/4)
	for i := range v {
		v[i] = float64(binary.NativeEndian.Uint32(info[4*i:]))
	}
	phrases, cols, docs := int(v[0]), int(v[1]), v[2]
	if len(v) < 3+3*phrases*cols {
		return 0
	}
	score := 0.0
	for p := range phrases {
		for c := range cols {
			x := v[3+3*(p*cols+c):]
			tf, withHits := x[0], x[2]
			if tf == 0 || withHits == 0 {
				continue
			}
			w := 1.0
			if c < len(columnWeights) {
				w = columnWeights[c]
			}
			score += w * tf / (tf + 1.2) * math.Log(1+docs/withHits)
		}
	}
	return score
}

// searchVector is the weighted document of an article on PostgreSQL; it
// must match the expression of the articles_search index to use it.
const searchVector = `(setweight(to_tsvector('simple'::regconfig, a.title), 'A') || setweight(to_tsvector('simple'::regconfig, a.body_text), 'B'))`

func (s *Store) searchPostgres(ctx context.Context, helpCenterID int64, v models.Viewer, terms []string, limit int) ([]searchRow, error) {
	// Terms are letters and digits only, so they cannot carry tsquery
	// operators; ":*" makes each a prefix.
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t + ":*"
	}
	var rows []searchRow
	cond, condArgs := articleVisible("a", helpCenterID, v)
	args := append([]any{"StartSel=" + hitStart + ", StopSel=" + hitEnd + ", MaxWords=30, MinWords=15, MaxFragments=1, FragmentDelimiter=…",
		strings.Join(parts, " & ")}, condArgs...)
	err := s.read(ctx).Raw(`SELECT a.*, COALESCE(c.name, '') AS category_name,
			ts_headline('simple', a.body_text, q, ?) AS snippet,
			ts_rank(`+searchVector+`, q) AS score
		FROM articles a
		CROSS JOIN to_tsquery('simple', ?) q
		LEFT JOIN categories c ON c.id = a.category_id
		WHERE `+cond+` AND `+searchVector+` @@ q
		ORDER BY score DESC, a.title LIMIT ?`, append(args, limit)...).Scan(&rows).Error
	return rows, err
}

// fragments splits a marked snippet into text and hits.
func fragments(snippet string) []models.Fragment {
	var out []models.Fragment
	for snippet != "" {
		start := strings.Index(snippet, hitStart)
		if start < 0 {
			out = append(out, models.Fragment{Text: snippet})
			break
		}
		if start > 0 {
			out = append(out, models.Fragment{Text: snippet[:start]})
		}
		rest := snippet[start+len(hitStart):]
		end := strings.Index(rest, hitEnd)
		if end < 0 {
			end = len(rest)
		}
		out = append(out, models.Fragment{Text: rest[:end], Hit: true})
		snippet = strings.TrimPrefix(rest[end:], hitEnd)
	}
	return out
}

// index writes an article's entry in the SQLite search table (PostgreSQL
// indexes the articles table itself).
func (s *Store) index(tx *gorm.DB, a *models.Article) error {
	if !s.d.searchTable {
		return nil
	}
	if err := s.unindex(tx, a.ID); err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO article_search (docid, help_center_id, title, body) VALUES (?, ?, ?, ?)`,
		a.ID, a.HelpCenterID, a.Title, a.BodyText).Error
}

// unindex removes an article's search entry.
func (s *Store) unindex(tx *gorm.DB, articleID int64) error {
	if !s.d.searchTable {
		return nil
	}
	return tx.Exec(`DELETE FROM article_search WHERE docid = ?`, articleID).Error
}

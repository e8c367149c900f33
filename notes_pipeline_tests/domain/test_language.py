"""Language by letters: what is narrated decides, not the URLs, code and markup around it."""

import pytest

from notes_pipeline.domain.language import detect_language, prose_letters

HINDI_WITH_ENGLISH_LINKS = """# गिट का उपयोग कैसे करें

गिट एक संस्करण नियंत्रण प्रणाली है। पूरी जानकारी
[Pro Git book](https://git-scm.com/book/en/v2/Getting-Started-About-Version-Control) और [GitHub documentation](https://docs.github.com/en/get-started/using-git/about-git) में मिलेगी।

```bash
git clone https://github.com/example/repository-with-a-long-name.git
git checkout -b feature/add-the-new-documentation-page
git commit --message "Add the documentation page for the installation instructions"
```

    git log --oneline --graph --decorate --all

फ़ाइल बदलने के बाद `git add --all && git commit --amend --no-edit` चलाएँ।
<a href="https://example.com/a/very/long/path/to/an/english/page">Read the English guide</a>
देखें https://en.wikipedia.org/wiki/Git_(software_version_control_system) और $\\sum_{i=1}^{n} x_i$ भी।
"""  # noqa: E501 - real notes have long lines


def test_a_devanagari_note_with_english_links_and_code_is_hindi():
    assert detect_language(HINDI_WITH_ENGLISH_LINKS) == "hi"


def test_code_urls_markup_and_latex_are_not_counted():
    letters = prose_letters(HINDI_WITH_ENGLISH_LINKS)
    for gone in ["https", "clone", "oneline", "amend", "href", "wikipedia", "sum", "git-scm"]:
        assert gone not in letters
    assert "Pro Git book" in letters and "गिट" in letters  # link texts are read, their targets are not
    front = "---\ntitle: A long English title in the front matter of the note\n---\nपानी भाप बनता है।"
    assert detect_language(front) == "hi" and "English" not in prose_letters(front)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "## مطالعہ کا منصوبہ\n\nہر روز دو گھنٹے پڑھیں اور [Khan Academy](https://www.khanacademy.org/math) دیکھیں۔",
            "ur",
        ),
        ("الماء يتبخر ويرتفع إلى السماء ثم يتكاثف", "ar"),
        ("Aaj hum seekhenge ki paani kaise bhaap banta hai. Yeh process bahut simple hai, dekho.", "en"),
        ("```python\nprint('नमस्ते दुनिया नमस्ते दुनिया')\n```\nThis note explains printing in Python.", "en"),
        ("", "en"),
    ],
)
def test_language_follows_the_letters_people_read(text, language):
    assert detect_language(text) == language

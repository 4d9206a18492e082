"""Letters and pages for people to read and print: the commitment letter (告知承诺书) as an HTML
page and as a PDF with its Chinese font embedded (`render`), what goes on a letter (`sheets`), and
the public catalogue pages, all from the templates in api/templates."""

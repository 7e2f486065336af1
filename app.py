"""llmrec dashboard: the frame around every page (page config, navigation, shared sidebar).

Run with `streamlit run app.py`; the workspace comes from $LLMREC_WORKSPACE or ./workspace.
"""

import streamlit as st

from llmrec.ui import cache, sidebar
from llmrec.ui.components import guard

# An emoji favicon is drawn locally (a data: URL); a :material/...: one is fetched from Google.
st.set_page_config(page_title="llmrec", page_icon="🛍️", layout="wide")

PAGES = {
    "Explore": [
        st.Page("pages/1_overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page("pages/2_portraits.py", title="User portraits", icon=":material/person_search:"),
        st.Page("pages/3_explorer.py", title="Embedding explorer", icon=":material/scatter_plot:"),
    ],
    "Recommend": [
        st.Page("pages/4_recommendations.py", title="Recommendations", icon=":material/recommend:"),
        st.Page("pages/5_search.py", title="Personalised search", icon=":material/search:"),
    ],
    "Measure & manage": [
        st.Page("pages/6_evaluation.py", title="Evaluation", icon=":material/monitoring:"),
        st.Page("pages/7_data.py", title="Data", icon=":material/database:"),
    ],
}

page = st.navigation(PAGES)
with guard("this page"):  # no traceback reaches the browser, whatever a page or the sidebar raises
    sidebar.render()
    cache.start_warm_up()
    page.run()
